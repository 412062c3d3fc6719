import type { BlobStore, Logger } from '../ports.ts';
import { buildPolicyIndex, type PolicyIndex } from './policy-index.ts';
import { POLICY_SNAPSHOT_KEY, PolicySnapshot } from './policy-snapshot.ts';

// Keeps the newest policy snapshot an accepting process has seen (ARCHITECTURE principle 1): it
// polls the blob store by etag, takes snapshots pushed in-process, and never goes back to an
// older or equal version, so a slow poll can never undo a newer push.

export interface SnapshotReaderOptions {
  blobs: BlobStore;
  logger: Logger;
  /** How often the blob store is polled; 5,000 ms by default. */
  intervalMs?: number;
}

const defaults = { intervalMs: 5000 };

export class SnapshotReader {
  readonly #blobs: BlobStore;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  #index: PolicyIndex | null = null;
  #etag: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #polling: Promise<void> | null = null;

  constructor(options: SnapshotReaderOptions) {
    const { blobs, logger } = options;
    const intervalMs = options.intervalMs ?? defaults.intervalMs;
    if (!Number.isInteger(intervalMs) || intervalMs <= 0) {
      throw new RangeError(`SnapshotReader: intervalMs must be a positive integer, got ${intervalMs}`);
    }
    this.#blobs = blobs;
    this.#logger = logger.child({ component: 'snapshot-reader' });
    this.#intervalMs = intervalMs;
  }

  /** Loads the stored snapshot now (failures are logged, not thrown), then polls every interval. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await this.refresh();
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The index of the newest snapshot seen, or null before the first one. */
  current(): PolicyIndex | null {
    return this.#index;
  }

  /** Takes a snapshot written in this process. Returns whether it became current. */
  offer(snapshot: unknown): boolean {
    const parsed = PolicySnapshot.safeParse(snapshot);
    if (!parsed.success) {
      this.#logger.error('policy snapshot offered in-process is invalid; ignored', {
        issues: parsed.error.issues,
      });
      return false;
    }
    return this.#adopt(parsed.data, 'offer');
  }

  /** Polls the blob store once; concurrent calls share the poll in flight. */
  refresh(): Promise<void> {
    this.#polling ??= this.#poll().finally(() => {
      this.#polling = null;
    });
    return this.#polling;
  }

  async #poll(): Promise<void> {
    let stored;
    try {
      stored = await this.#blobs.get(
        POLICY_SNAPSHOT_KEY,
        this.#etag === undefined ? {} : { ifNoneMatch: this.#etag },
      );
    } catch (error) {
      this.#logger.warn('policy snapshot could not be read; keeping the current one', {
        error,
        version: this.#index?.version ?? null,
      });
      return;
    }
    if (stored === 'not-modified') return;
    if (stored === null) {
      if (this.#index === null) this.#logger.warn('no policy snapshot stored yet');
      return;
    }
    // Remembered even when the content is refused, so a bad object is not re-parsed every poll.
    this.#etag = stored.etag;
    const snapshot = parseStored(stored.body);
    if (!snapshot.ok) {
      this.#logger.error('stored policy snapshot is invalid; ignored', {
        etag: stored.etag,
        reason: snapshot.reason,
      });
      return;
    }
    this.#adopt(snapshot.value, 'blob store');
  }

  #adopt(snapshot: PolicySnapshot, source: string): boolean {
    const current = this.#index?.version ?? 0;
    if (snapshot.version <= current) {
      this.#logger.debug('policy snapshot not newer; ignored', {
        version: snapshot.version,
        current,
        source,
      });
      return false;
    }
    const index = buildPolicyIndex(snapshot);
    for (const credential of index.invalidNetworks) {
      this.#logger.warn('SMTP-IP credential has an invalid network; left out', {
        credentialId: credential.id,
        network: credential.network,
      });
    }
    this.#index = index;
    this.#logger.info('policy snapshot loaded', { version: snapshot.version, previous: current, source });
    return true;
  }

  #schedule(): void {
    if (!this.#running) return;
    // A chain of timeouts rather than an interval, so a slow store never stacks polls.
    this.#timer = setTimeout(() => {
      void this.refresh().finally(() => this.#schedule());
    }, this.#intervalMs);
    // The listeners keep the process alive; the poll alone must not.
    this.#timer.unref();
  }
}

function parseStored(body: Uint8Array): { ok: true; value: PolicySnapshot } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const parsed = PolicySnapshot.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      reason: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
    };
  }
  return { ok: true, value: parsed.data };
}
