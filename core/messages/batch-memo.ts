// Reads that the messages of one batch share (their server, its organization, domains and IP
// pools), made once per batch instead of once per message. A batch lasts as long as its messages
// take (tens of milliseconds, with signing and writes), so what it remembers is as fresh as a
// change made while the batch runs could hope for; nothing is kept beyond it.

export class BatchMemo {
  readonly #reads = new Map<string, Promise<unknown>>();

  /** The result of `read` under `key`, read once for this batch; a failed read is not kept. */
  get<T>(key: string, read: () => Promise<T>): Promise<T> {
    const known = this.#reads.get(key);
    if (known) return known as Promise<T>;
    const reading = read();
    this.#reads.set(key, reading);
    reading.catch(() => this.#reads.delete(key));
    return reading;
  }
}
