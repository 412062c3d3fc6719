import type { Ids } from '../../core/ports.ts';

/** Predictable Ids: message ids count up from `firstMessageId`; uuids and tokens carry a counter. */
export class SequentialIds implements Ids {
  readonly calls: { operation: 'uuid' | 'token' | 'messageId' }[] = [];
  #nextMessageId: number;
  #counter = 0;

  constructor(firstMessageId = 1) {
    this.#nextMessageId = firstMessageId;
  }

  uuid(): string {
    this.calls.push({ operation: 'uuid' });
    this.#counter += 1;
    return `00000000-0000-4000-8000-${String(this.#counter).padStart(12, '0')}`;
  }

  /** `t…0042`-style: lower-case letters and digits, so valid whatever `lower` asks. */
  token(length: number, _options: { lower?: boolean } = {}): string {
    this.calls.push({ operation: 'token' });
    this.#counter += 1;
    return `t${String(this.#counter).padStart(length - 1, '0')}`.slice(-length);
  }

  async messageId(): Promise<number> {
    this.calls.push({ operation: 'messageId' });
    const id = this.#nextMessageId;
    this.#nextMessageId += 1;
    return id;
  }
}
