import type { Db } from './database.ts';
import type { SqlDialect } from './sql-dialect.ts';
import type { WalSync } from './dialects/wal-sync.ts';

// On SQLite, commits are written to the WAL without an fsync (synchronous=NORMAL): a process
// crash loses none of them, and a crash of the machine loses only a suffix of them, so the
// database always comes back as it was at some earlier commit, from which every stage redoes
// its work (they are idempotent). What the outside world is told about must not be in that
// suffix: queue sends and management changes. (The accept step's ingest envelope is the one
// send that need not wait: a 250 or an API `success` rests on its pointers in the blob store,
// durable before it, from which core/messages/accepted-recovery.ts queues it again at start-up.)
// Those go through the two functions below, which sync the WAL off the event loop
// (dialects/wal-sync.ts) and with it every commit before them, since the WAL is replayed in
// order. MySQL commits durably on the server (innodb_flush_log_at_trx_commit=1) and needs neither.

const walSyncs = new WeakMap<Db, WalSync>();

/** Called once by whoever opens a SQLite file: how its commits are made durable. */
export function registerWalSync(db: Db, walSync: WalSync): void {
  walSyncs.set(db, walSync);
}

/** Runs `work` and resolves once what it committed is durable. */
export async function durably<T>(db: Db, dialect: SqlDialect, work: (db: Db) => Promise<T>): Promise<T> {
  const result = await work(db);
  await syncCommitted(db, dialect);
  return result;
}

/** Makes every commit so far durable. An in-memory SQLite database has nothing to sync. */
export async function syncCommitted(db: Db, dialect: SqlDialect): Promise<void> {
  if (dialect !== 'sqlite') return;
  await walSyncs.get(db)?.sync();
}
