import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  dropMysqlDatabase,
  ensureMysqlDatabase,
  openDatabase,
  type DatabaseHandle,
} from '../../core/db/database.ts';
import { migrateToLatest } from '../../core/db/migrate.ts';
import { SqlDialect } from '../../core/db/sql-dialect.ts';

// Tests that need a database loop over DIALECTS (sqlite always; mysql is the machine's MariaDB).
// `DIALECTS=sqlite npm test` narrows the list.
export const DIALECTS: readonly SqlDialect[] = (process.env.DIALECTS ?? 'sqlite,mysql')
  .split(',')
  .map((name) => SqlDialect.parse(name.trim()));

const mysqlServer = process.env.POSTERN_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface TestDatabase {
  url: string;
  handle: DatabaseHandle;
  /** Closes the connection and removes the database. */
  drop(): Promise<void>;
}

/** A new, migrated database of its own, so test files can run in parallel. */
export async function freshDatabaseUrl(
  dialect: SqlDialect,
): Promise<{ url: string; remove(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'postern-test-'));
    return {
      url: `sqlite:${join(dir, 'test.db')}`,
      remove: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const url = `${mysqlServer}/postern_test_${randomBytes(6).toString('hex')}`;
  await ensureMysqlDatabase(url);
  return { url, remove: () => dropMysqlDatabase(url) };
}

export async function freshDatabase(dialect: SqlDialect): Promise<TestDatabase> {
  const { url, remove } = await freshDatabaseUrl(dialect);
  const handle = await openDatabase(url);
  await migrateToLatest(handle.db, handle.dialect);
  return {
    url,
    handle,
    async drop() {
      await handle.destroy();
      await remove();
    },
  };
}
