// Counted over windows of this length: long enough to hold many arrivals at a high rate, short
// enough that the pipeline resumes soon after a burst.
const WINDOW_MS = 100;

/**
 * How fast messages are being handed in to this process (HTTP requests, SMTP DATA). In one
 * process the pipeline and the accepting share a thread; in the cloud they are separate
 * functions and never slow each other. While messages arrive faster than `busyPerSecond`, the
 * local queue pollers give way to them (queue-pollers.ts), so a burst is accepted at the rate
 * the accepting path alone allows and the pipeline catches up behind it; below that rate, the
 * pipeline keeps up as it is and runs at full speed.
 */
export class AcceptActivity {
  readonly #busyPerWindow: number;
  #window = 0;
  #count = 0;
  #previous = 0;

  /** 250 messages a second by default, below what the pipeline sustains on a small machine. */
  constructor(busyPerSecond = 250) {
    this.#busyPerWindow = (busyPerSecond * WINDOW_MS) / 1000;
  }

  /** Notes that a message is being handed in now. */
  readonly mark = (): void => {
    this.#advance();
    this.#count += 1;
  };

  /** Whether messages arrived at the busy rate or faster over the last full window or this one. */
  busy(): boolean {
    this.#advance();
    return Math.max(this.#previous, this.#count) >= this.#busyPerWindow;
  }

  #advance(): void {
    const window = Math.floor(performance.now() / WINDOW_MS);
    if (window === this.#window) return;
    this.#previous = window === this.#window + 1 ? this.#count : 0;
    this.#window = window;
    this.#count = 0;
  }
}
