import { createHash } from 'node:crypto';
import type { BlobObject, BlobPutOptions, BlobStore } from '../../core/ports.ts';

export type BlobOperation = 'put' | 'get' | 'delete';

/**
 * The BlobStore port in memory, with S3's semantics: content etags, conditional puts, and
 * not-modified reads. `failNext` makes the next call of an operation reject, for fault tests.
 */
export class MemoryBlobStore implements BlobStore {
  readonly calls: { operation: BlobOperation; key: string; ifNoneMatch?: string }[] = [];
  readonly #objects = new Map<string, BlobObject>();
  readonly #failures: { operation: BlobOperation; error: Error }[] = [];

  failNext(operation: BlobOperation, error: Error = new Error(`injected ${operation} failure`)): void {
    this.#failures.push({ operation, error });
  }

  keys(): string[] {
    return [...this.#objects.keys()];
  }

  /** The stored body as UTF-8, or undefined. */
  text(key: string): string | undefined {
    const object = this.#objects.get(key);
    return object && Buffer.from(object.body).toString('utf8');
  }

  async put(
    key: string,
    body: Uint8Array | string,
    options: BlobPutOptions = {},
  ): Promise<{ etag: string } | null> {
    this.#record('put', key);
    const current = this.#objects.get(key);
    if (options.ifNoneMatch === '*' && current) return null;
    if (options.ifMatch !== undefined && current?.etag !== options.ifMatch) return null;
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Uint8Array.from(body);
    const etag = `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"`;
    this.#objects.set(key, { body: bytes, etag });
    return { etag };
  }

  async get(
    key: string,
    options: { ifNoneMatch?: string } = {},
  ): Promise<BlobObject | 'not-modified' | null> {
    this.#record('get', key, options.ifNoneMatch);
    const object = this.#objects.get(key);
    if (!object) return null;
    if (options.ifNoneMatch !== undefined && options.ifNoneMatch === object.etag) return 'not-modified';
    return { body: Uint8Array.from(object.body), etag: object.etag };
  }

  async delete(key: string): Promise<void> {
    this.#record('delete', key);
    this.#objects.delete(key);
  }

  #record(operation: BlobOperation, key: string, ifNoneMatch?: string): void {
    this.calls.push(ifNoneMatch === undefined ? { operation, key } : { operation, key, ifNoneMatch });
    const failure = this.#failures.findIndex((entry) => entry.operation === operation);
    if (failure !== -1) throw this.#failures.splice(failure, 1)[0]!.error;
  }
}
