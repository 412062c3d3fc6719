import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppContext } from '../../core/context.ts';
import type { Installation } from '../../core/config.ts';
import type { SqlDialect } from '../../core/db/sql-dialect.ts';
import type { Clock, Dns } from '../../core/ports.ts';
import { DatabaseIds } from '../../core/local/database-ids.ts';
import { DatabaseQueue } from '../../core/local/database-queue.ts';
import { FileKeys } from '../../core/local/file-keys.ts';
import { systemClock } from '../../core/local/system-clock.ts';
import { PolicyPublisher } from '../../core/policy/policy-publisher.ts';
import type { PolicySnapshot } from '../../core/policy/policy-snapshot.ts';
import { buildPolicyIndex } from '../../core/policy/policy-index.ts';
import { localBlobStore, localQueueSettings } from '../../bin/local/local-context.ts';
import { MemoryLogger } from '../fakes/memory-logger.ts';
import { ZoneDns } from '../fakes/zone-dns.ts';
import { freshDatabase } from './databases.ts';

export const testInstallation: Installation = {
  hostname: 'postern.test',
  returnPathDomain: 'rp.postern.test',
  routeDomain: 'routes.postern.test',
  trackDomain: 'track.postern.test',
  spfInclude: 'spf.postern.test',
  mxHosts: ['mx1.postern.test', 'mx2.postern.test'],
  dkimIdentifier: 'postern',
  publicUrl: 'http://localhost:8080',
};

export interface TestContext {
  ctx: AppContext;
  logger: MemoryLogger;
  /** Every snapshot the publisher wrote, oldest first. */
  snapshots: PolicySnapshot[];
  close(): Promise<void>;
}

export interface TestContextOptions {
  clock?: Clock;
  dns?: Dns;
  allowPrivateTargets?: boolean;
}

/** A complete AppContext on a private database of `dialect`, with files in a temporary directory. */
export async function createTestContext(
  dialect: SqlDialect,
  options: TestContextOptions = {},
): Promise<TestContext> {
  const database = await freshDatabase(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'postern-ctx-'));
  const clock = options.clock ?? systemClock;
  const logger = new MemoryLogger();
  const blobs = await localBlobStore(dir, clock);
  const snapshots: PolicySnapshot[] = [];
  const { db } = database.handle;
  const ctx: AppContext = {
    db,
    dialect,
    clock,
    ids: new DatabaseIds({ db, dialect }),
    keys: await FileKeys.open(join(dir, 'keys')),
    dns: options.dns ?? new ZoneDns({}),
    logger,
    blobs,
    queue: new DatabaseQueue({ db, dialect, clock, queues: localQueueSettings() }),
    installation: testInstallation,
    policy: new PolicyPublisher({
      db,
      blobs,
      clock,
      installation: testInstallation,
      logger,
      onPublished: (snapshot) => snapshots.push(snapshot),
    }),
    policyIndex: () => {
      const latest = snapshots.at(-1);
      return latest ? buildPolicyIndex(latest) : null;
    },
    allowPrivateTargets: options.allowPrivateTargets ?? true,
  };
  return {
    ctx,
    logger,
    snapshots,
    async close() {
      await blobs.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
