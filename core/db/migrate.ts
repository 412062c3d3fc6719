import { Migrator, type Migration } from 'kysely/migration';
import type { Db } from './database.ts';
import type { SqlDialect } from './sql-dialect.ts';
import type { MigrationStep } from './migration-steps.ts';
import { initialSchema } from './migrations/001-initial.ts';
import { queueReceiptIndex } from './migrations/002-queue-receipt-index.ts';
import { queueHandleNamesRow } from './migrations/003-queue-handle-names-row.ts';
import { messagesRawKeyIndex } from './migrations/004-messages-raw-key-index.ts';

// Files in the order they shipped; each is a list of steps named by file and position, so the
// names sort in the order they must run.
const files: ReadonlyArray<readonly [string, readonly MigrationStep[]]> = [
  ['001', initialSchema],
  ['002', queueReceiptIndex],
  ['003', queueHandleNamesRow],
  ['004', messagesRawKeyIndex],
];

function migrationsFor(dialect: SqlDialect): Record<string, Migration> {
  const migrations: Record<string, Migration> = {};
  for (const [file, steps] of files) {
    steps.forEach((step, index) => {
      migrations[`${file}-${String(index + 1).padStart(4, '0')}-${step.name}`] = {
        up: (migrationDb) => step.up(migrationDb, dialect),
      };
    });
  }
  return migrations;
}

export interface MigrationReport {
  applied: string[];
}

export async function migrateToLatest(db: Db, dialect: SqlDialect): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrationsFor(dialect) },
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
