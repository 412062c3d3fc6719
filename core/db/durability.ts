import { sql } from 'kysely';
import type { Db } from './database.ts';
import type { SqlDialect } from './sql-dialect.ts';

// On SQLite, commits are written to the WAL without an fsync (synchronous=NORMAL): a process
// crash loses none of them, and a crash of the machine loses only a suffix of them, so the
// database always comes back as it was at some earlier commit, from which every stage redoes
// its work (they are idempotent). What the outside world is told about must not be in that
// suffix: queue sends (a 250 or an API `success` rests on the ingest envelope) and management
// changes. Those go through the two functions below, which make them durable, and with them every
// commit before them, since the WAL is replayed in order. MySQL commits durably on the server
// (innodb_flush_log_at_trx_commit=1) and needs neither.

/** The setting of every SQLite connection outside `durably`. */
export const SQLITE_SYNCHRONOUS = 'normal';

/** Runs `work` on one connection whose commits are durable when they return. */
export async function durably<T>(db: Db, dialect: SqlDialect, work: (db: Db) => Promise<T>): Promise<T> {
  if (dialect !== 'sqlite') return work(db);
  // One connection throughout, so that no other caller's commit runs under the stricter setting
  // or, worse, ours under the laxer one.
  return db.connection().execute(async (connection) => {
    await sql`pragma synchronous = full`.execute(connection);
    try {
      return await work(connection);
    } finally {
      await sql.raw(`pragma synchronous = ${SQLITE_SYNCHRONOUS}`).execute(connection);
    }
  });
}

/** Makes every commit so far durable: on SQLite a checkpoint, which syncs the WAL first. */
export async function syncCommitted(db: Db, dialect: SqlDialect): Promise<void> {
  if (dialect !== 'sqlite') return;
  await sql`pragma wal_checkpoint(passive)`.execute(db);
}
