import type { Db } from '../db/database.ts';
import type { Installation } from '../config.ts';
import type { BlobStore, Clock, Logger } from '../ports.ts';
import { POLICY_SNAPSHOT_KEY, PolicySnapshot } from './policy-snapshot.ts';
import { buildSnapshot } from './snapshot-builder.ts';
import { currentPolicyVersion } from './policy-version.ts';

export interface PolicyPublisherOptions {
  db: Db;
  blobs: BlobStore;
  clock: Clock;
  installation: Installation;
  logger: Logger;
  /** Called with each snapshot written, so an edge in the same process can take it at once. */
  onPublished?: (snapshot: PolicySnapshot) => void;
}

const MAX_CONFLICTS = 5;

/**
 * Writes the policy snapshot when the database's policy version is ahead of the stored one.
 * Writes are conditional on the etag read, so concurrent publishers (several Lambdas) can never
 * replace a newer snapshot with an older one.
 */
export class PolicyPublisher {
  readonly #options: PolicyPublisherOptions;
  #tail: Promise<unknown> = Promise.resolve();
  #queued: Promise<PolicySnapshot | null> | null = null;

  constructor(options: PolicyPublisherOptions) {
    this.#options = { ...options };
  }

  /** Resolves once a snapshot at least as new as the database at call time is stored. */
  publish(): Promise<PolicySnapshot | null> {
    // Calls that arrive while a run waits to start share it: it will read the newest state anyway.
    if (this.#queued) return this.#queued;
    const run = this.#tail.then(() => {
      this.#queued = null;
      return this.#publishOnce();
    });
    this.#queued = run;
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #publishOnce(): Promise<PolicySnapshot | null> {
    const { db, blobs, clock, installation, logger, onPublished } = this.#options;
    for (let attempt = 0; attempt < MAX_CONFLICTS; attempt += 1) {
      const wanted = await currentPolicyVersion(db);
      const stored = await blobs.get(POLICY_SNAPSHOT_KEY);
      const storedVersion = stored && stored !== 'not-modified' ? versionOf(stored.body) : 0;
      if (storedVersion >= wanted) return null;
      const snapshot = await buildSnapshot(db, installation, clock.now());
      const written = await blobs.put(POLICY_SNAPSHOT_KEY, JSON.stringify(snapshot), {
        contentType: 'application/json',
        ...(stored && stored !== 'not-modified' ? { ifMatch: stored.etag } : { ifNoneMatch: '*' as const }),
      });
      if (written) {
        logger.info('policy snapshot published', { version: snapshot.version });
        onPublished?.(snapshot);
        return snapshot;
      }
    }
    throw new Error(`policy snapshot: ${MAX_CONFLICTS} conflicting writes in a row`);
  }
}

function versionOf(body: Uint8Array): number {
  try {
    return PolicySnapshot.parse(JSON.parse(new TextDecoder().decode(body))).version;
  } catch {
    // An unreadable snapshot is replaced as if none were stored.
    return 0;
  }
}
