import { join } from 'node:path';
import type { LocalConfig } from '../../core/config.ts';
import type { AppContext } from '../../core/context.ts';
import type { DatabaseHandle } from '../../core/db/database.ts';
import type { Clock, Logger } from '../../core/ports.ts';
import { DatabaseIds } from '../../core/local/database-ids.ts';
import { DatabaseQueue, type DatabaseQueueSettings } from '../../core/local/database-queue.ts';
import { FileBlobStore } from '../../core/local/file-blob-store.ts';
import { FileKeys } from '../../core/local/file-keys.ts';
import { SqliteBlobStore } from '../../core/local/sqlite-blob-store.ts';
import { NodeDns } from '../../core/local/node-dns.ts';
import { systemClock } from '../../core/local/system-clock.ts';
import { PolicyPublisher } from '../../core/policy/policy-publisher.ts';
import { SnapshotReader } from '../../core/policy/snapshot-reader.ts';
import { deadLetterQueueName, deliveryQueueSpec, queues, type QueueSpec } from '../../lambdas/topology.ts';

/**
 * The queues this process serves: the topology's, and each declared pool's delivery queue.
 * `visibilityTimeoutSeconds` replaces every queue's own when set (POSTERN_VISIBILITY_TIMEOUT_SECONDS):
 * after a crash, work in flight comes back that much sooner.
 */
export function localQueueSpecs(
  pools: readonly string[] = ['default'],
  visibilityTimeoutSeconds?: number,
): QueueSpec[] {
  return [...queues, ...pools.map(deliveryQueueSpec)].map((queue) =>
    visibilityTimeoutSeconds === undefined ? queue : { ...queue, visibilityTimeoutSeconds },
  );
}

/** Each queue with its dead-letter queue, which keeps messages for inspection. */
export function localQueueSettings(specs: readonly QueueSpec[] = localQueueSpecs()): DatabaseQueueSettings[] {
  return specs.flatMap((queue) => [
    { ...queue, deadLetterQueue: deadLetterQueueName(queue.name) },
    { name: deadLetterQueueName(queue.name), visibilityTimeoutSeconds: 30, maxReceives: 1_000_000 },
  ]);
}

export const localQueueSpecsOf = (config: LocalConfig): QueueSpec[] =>
  localQueueSpecs(
    config.ipPools.map((pool) => pool.name),
    config.visibilityTimeoutSeconds,
  );

/** The blobs of a data directory: rows of `blobs.db`, and the large bodies as files under `blobs/`. */
export async function localBlobStore(
  dataDir: string,
  clock: Clock,
  logger?: Logger,
): Promise<SqliteBlobStore> {
  const { store, adopted } = await SqliteBlobStore.open({
    path: join(dataDir, 'blobs.db'),
    files: new FileBlobStore(join(dataDir, 'blobs')),
    clock,
  });
  if (adopted > 0) logger?.info('blob files of an earlier version adopted', { files: adopted });
  return store;
}

export interface LocalContext {
  ctx: AppContext;
  queue: DatabaseQueue;
  /** The same store as ctx.blobs, with what only the local one does (expiry by prefix, close). */
  blobs: SqliteBlobStore;
  /** Shared by the SMTP edge and the send API; every snapshot written here is offered to it at once. */
  snapshots: SnapshotReader;
}

/** The local shape's adapters: the database given, files under the data directory. */
export async function createLocalContext(
  config: LocalConfig,
  database: DatabaseHandle,
  logger: Logger,
  clock: Clock = systemClock,
): Promise<LocalContext> {
  const blobs = await localBlobStore(config.dataDir, clock, logger);
  const queue = new DatabaseQueue({
    db: database.db,
    dialect: database.dialect,
    clock,
    queues: localQueueSettings(localQueueSpecsOf(config)),
  });
  const snapshots = new SnapshotReader({ blobs, logger });
  const policy = new PolicyPublisher({
    db: database.db,
    blobs,
    clock,
    installation: config.installation,
    logger: logger.child({ component: 'policy' }),
    onPublished: (snapshot) => snapshots.offer(snapshot),
  });
  const ctx: AppContext = {
    db: database.db,
    dialect: database.dialect,
    clock,
    ids: new DatabaseIds({ db: database.db, dialect: database.dialect }),
    keys: await FileKeys.open(join(config.dataDir, 'keys')),
    dns: new NodeDns(config.dnsServers.length > 0 ? { servers: config.dnsServers } : {}),
    logger,
    blobs,
    queue,
    installation: config.installation,
    policy,
    policyIndex: () => snapshots.current(),
    allowPrivateTargets: config.allowPrivateTargets,
  };
  return { ctx, queue, blobs, snapshots };
}
