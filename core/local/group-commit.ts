/**
 * Group commit: callers hand in items, and the items that arrive while one flush is under way
 * are flushed together in the next, so N concurrent callers pay for one fsync instead of N.
 * Every caller's promise settles with its own flush: resolved when the batch holding its item
 * is durable, rejected with the batch's error otherwise.
 *
 * A flush starts as soon as none is running (an item alone is not kept waiting for company), so
 * at low load latency is that of one flush, and under load batches grow by themselves.
 */
export class GroupCommit<T> {
  readonly #flush: (items: T[]) => Promise<void>;
  readonly #maxBatch: number;
  #waiting: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #flushing = false;

  /** `maxBatch` bounds one flush; the rest waits for the next. */
  constructor(flush: (items: T[]) => Promise<void>, maxBatch = Number.POSITIVE_INFINITY) {
    if (!(maxBatch >= 1)) throw new RangeError(`maxBatch must be at least 1, not ${maxBatch}`);
    this.#flush = flush;
    this.#maxBatch = maxBatch;
  }

  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (this.#flushing) return;
      this.#flushing = true;
      // A microtask later, so that callers of the same tick share the first flush too.
      queueMicrotask(() => void this.#drain());
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0, this.#maxBatch);
        try {
          await this.#flush(batch.map((entry) => entry.item));
          for (const entry of batch) entry.resolve();
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }
}
