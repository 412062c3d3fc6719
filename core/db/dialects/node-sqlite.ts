import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';

// Kysely's SqliteDialect is written against better-sqlite3's shape; node:sqlite differs in two
// ways this adapter bridges: parameters are spread rather than passed as an array, and there is
// no `reader` flag, so it is derived from whether the statement yields columns. Rows come back
// with a null prototype; they are copied to plain objects so they compare like mysql2's rows.

function adaptStatement(statement: StatementSync): SqliteStatement {
  const reader = statement.columns().length > 0;
  return {
    reader,
    all: (parameters) => statement.all(...(parameters as never[])).map((row) => ({ ...row })),
    run: (parameters) => statement.run(...(parameters as never[])),
    iterate: (parameters) => statement.iterate(...(parameters as never[])) as IterableIterator<unknown>,
  };
}

export interface NodeSqliteOptions {
  /** A file path, or ':memory:'. */
  path: string;
}

/**
 * A connection in WAL mode, which lets readers run beside the writer, whose commits reach the log
 * unsynced (synchronous = NORMAL): its owner makes the ones the outside world hears of durable in
 * groups, by syncing the log (core/db/durability.ts says why that is safe).
 */
export function openWalDatabase(path: string): DatabaseSync {
  const raw = new DatabaseSync(path, { timeout: 5000 });
  raw.exec('pragma journal_mode = wal');
  raw.exec('pragma synchronous = normal');
  return raw;
}

export function openNodeSqlite(options: NodeSqliteOptions): { dialect: SqliteDialect; raw: DatabaseSync } {
  const raw = openWalDatabase(options.path);
  raw.exec('pragma foreign_keys = off');
  // Its owner copies the log into the file (SlicedCheckpoints), never a commit.
  raw.exec('pragma wal_autocheckpoint = 0');
  const cache = new Map<string, SqliteStatement>();
  const database: SqliteDatabase = {
    close: () => raw.close(),
    prepare(sql) {
      let statement = cache.get(sql);
      if (!statement) {
        statement = adaptStatement(raw.prepare(sql));
        if (cache.size > 500) cache.clear();
        cache.set(sql, statement);
      }
      return statement;
    },
  };
  return { dialect: new SqliteDialect({ database }), raw };
}
