/**
 * When the process last served a client handing in mail (an HTTP request, an SMTP command).
 * In one process the pipeline and the accepting share a thread; in the cloud they are separate
 * functions and never slow each other. The local queue pollers give way while clients are being
 * served (queue-pollers.ts), so a burst is accepted at the rate the accepting path alone allows
 * and the pipeline catches up behind it.
 */
export class AcceptActivity {
  #last = Number.NEGATIVE_INFINITY;

  /** Notes that a client is being served now. */
  readonly mark = (): void => {
    this.#last = performance.now();
  };

  /** Whether a client was served within the last `withinMs`. */
  recent(withinMs = 20): boolean {
    return performance.now() - this.#last < withinMs;
  }
}
