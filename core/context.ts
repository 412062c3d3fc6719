import type { Installation } from './config.ts';
import type { Db } from './db/database.ts';
import type { SqlDialect } from './db/sql-dialect.ts';
import type { BlobStore, Clock, Dns, Ids, Keys, Logger, Queue } from './ports.ts';
import type { PolicyPublisher } from './policy/policy-publisher.ts';
import type { PolicyIndex } from './policy/policy-index.ts';

/** What core's capabilities are handed by a composition root (bin/local, lambdas/context.ts). */
export interface AppContext {
  db: Db;
  dialect: SqlDialect;
  clock: Clock;
  ids: Ids;
  keys: Keys;
  dns: Dns;
  logger: Logger;
  blobs: BlobStore;
  queue: Queue;
  installation: Installation;
  policy: PolicyPublisher;
  /** The newest policy snapshot this process has read, as the edge decides by it; null before the first. */
  policyIndex: () => PolicyIndex | null;
  /** Whether webhooks and HTTP endpoints may reach private, loopback and link-local addresses. */
  allowPrivateTargets: boolean;
}
