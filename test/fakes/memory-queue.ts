import type { Queue, QueueDepth, QueueMessage, QueueSendOptions } from '../../core/ports.ts';

/**
 * The sending half of the Queue port in memory: it records every body sent, per queue, which is
 * what accepting code is judged by. Receiving is left to the real adapters' contract suite.
 */
export class MemoryQueue implements Queue {
  readonly calls: { operation: 'send' | 'sendBatch'; queue: string; count: number }[] = [];
  readonly #sent = new Map<string, string[]>();
  readonly #failures: Error[] = [];

  /** Makes the next send or sendBatch reject without recording anything. */
  failNext(error: Error = new Error('injected queue failure')): void {
    this.#failures.push(error);
  }

  /** Bodies sent to `queue`, oldest first. */
  sent(queue: string): string[] {
    return [...(this.#sent.get(queue) ?? [])];
  }

  async send(queue: string, body: string, options?: QueueSendOptions): Promise<void> {
    this.calls.push({ operation: 'send', queue, count: 1 });
    this.#store(queue, [body], options);
  }

  async sendBatch(queue: string, bodies: readonly string[], options?: QueueSendOptions): Promise<void> {
    this.calls.push({ operation: 'sendBatch', queue, count: bodies.length });
    this.#store(queue, bodies, options);
  }

  receive(): Promise<QueueMessage[]> {
    return Promise.reject(new Error('MemoryQueue does not receive'));
  }

  changeVisibility(): Promise<void> {
    return Promise.reject(new Error('MemoryQueue does not change visibility'));
  }

  delete(): Promise<void> {
    return Promise.reject(new Error('MemoryQueue does not delete'));
  }

  async depth(queue: string): Promise<QueueDepth> {
    return { visible: this.#sent.get(queue)?.length ?? 0, inFlight: 0, delayed: 0 };
  }

  #store(queue: string, bodies: readonly string[], options: QueueSendOptions = {}): void {
    const failure = this.#failures.shift();
    if (failure) throw failure;
    const delay = options.delaySeconds ?? 0;
    if (!Number.isInteger(delay) || delay < 0 || delay > 900)
      throw new RangeError(`invalid delaySeconds ${delay}`);
    this.#sent.set(queue, [...(this.#sent.get(queue) ?? []), ...bodies]);
  }
}
