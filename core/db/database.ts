import { Kysely, sql } from 'kysely';
import type { Connection } from 'mysql2/promise';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from './schema.ts';
import type { SqlDialect } from './sql-dialect.ts';
import { openNodeSqlite } from './dialects/node-sqlite.ts';
import { MAIN_DATABASE_CHECKPOINTS, SlicedCheckpoints } from './dialects/sliced-checkpoints.ts';
import { SqliteRowLocksPlugin } from './dialects/sqlite-row-locks.ts';
import { WalSync } from './dialects/wal-sync.ts';
import { registerWalSync } from './durability.ts';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  dialect: SqlDialect;
  destroy(): Promise<void>;
}

/** `sqlite:<path>` (or `sqlite::memory:`) and `mysql://user:pass@host:port/db`. */
export function parseDatabaseUrl(url: string): { dialect: SqlDialect; location: string } {
  if (url.startsWith('sqlite:')) return { dialect: 'sqlite', location: url.slice('sqlite:'.length) };
  if (url.startsWith('mysql:')) return { dialect: 'mysql', location: url };
  throw new Error(`unsupported database URL ${JSON.stringify(url.replace(/\/\/[^@]*@/, '//…@'))}`);
}

export async function openDatabase(url: string): Promise<DatabaseHandle> {
  const { dialect, location } = parseDatabaseUrl(url);
  if (dialect === 'sqlite') {
    if (location !== ':memory:') mkdirSync(dirname(location), { recursive: true });
    const sqlite = openNodeSqlite({ path: location });
    const db = new Kysely<Database>({ dialect: sqlite.dialect, plugins: [new SqliteRowLocksPlugin()] });
    if (location === ':memory:') return { db, dialect, destroy: () => db.destroy() };
    const walSync = new WalSync(location);
    registerWalSync(db, walSync);
    const checkpoints = new SlicedCheckpoints(db, sqlite.raw, location, walSync, MAIN_DATABASE_CHECKPOINTS);
    return {
      db,
      dialect,
      async destroy() {
        await checkpoints.stop();
        await db.destroy();
        await walSync.close();
      },
    };
  }
  // The MySQL driver is loaded only for a MySQL URL: it costs the SQLite shape memory for nothing.
  const { openMysql } = await import('./dialects/mysql.ts');
  const db = new Kysely<Database>({ dialect: openMysql({ url: location }) });
  // Fail now with the driver's reason rather than at the first query.
  await sql`select 1`.execute(db);
  return { db, dialect, destroy: () => db.destroy() };
}

/** Creates the MySQL database named in the URL when it does not exist yet. */
export async function ensureMysqlDatabase(url: string): Promise<void> {
  await onMysqlServer(url, (connection, name) =>
    connection.query(`create database if not exists \`${name}\` character set utf8mb4 collate utf8mb4_bin`),
  );
}

/** Drops the MySQL database named in the URL, if it exists: for tests and benchmarks. */
export async function dropMysqlDatabase(url: string): Promise<void> {
  await onMysqlServer(url, (connection, name) => connection.query(`drop database if exists \`${name}\``));
}

/** Runs `work` on a connection to the server of a MySQL URL, with the database name it gives, checked. */
async function onMysqlServer(
  url: string,
  work: (connection: Connection, name: string) => Promise<unknown>,
): Promise<void> {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!name) throw new Error('the MySQL URL names no database');
  if (!/^[A-Za-z0-9_$-]+$/.test(name)) throw new Error(`invalid database name ${JSON.stringify(name)}`);
  const { createConnection } = await import('mysql2/promise');
  const connection = await createConnection({
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password),
    connectTimeout: 5000,
  });
  try {
    await work(connection, name);
  } finally {
    await connection.end();
  }
}
