import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from './sql-dialect.ts';

// Migrations are lists of single-statement steps, each safe to re-run: MySQL commits DDL at
// once, so a crash between a step and its bookkeeping row must leave nothing to undo.

export type ColumnType =
  | 'id'
  | 'bigint'
  | 'integer'
  | 'boolean'
  | 'double'
  | 'text'
  | 'mediumtext'
  | `varchar(${number})`
  | `char(${number})`;

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable?: boolean;
  default?: string | number;
}

export interface TableSpec {
  name: string;
  columns: readonly ColumnSpec[];
  /** Composite primary key, for tables without an `id` column. */
  primaryKey?: readonly string[];
  unique?: readonly (readonly string[])[];
}

export interface MigrationStep {
  name: string;
  up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void>;
}

function columnSql(dialect: SqlDialect, column: ColumnSpec): string {
  if (column.type === 'id') {
    return dialect === 'sqlite'
      ? `${column.name} integer primary key autoincrement`
      : `${column.name} bigint not null auto_increment primary key`;
  }
  const type = column.type === 'boolean' ? (dialect === 'sqlite' ? 'integer' : 'tinyint') : column.type;
  const nullability = column.nullable ? 'null' : 'not null';
  const fallback =
    column.default === undefined
      ? ''
      : ` default ${typeof column.default === 'number' ? column.default : `'${column.default.replace(/'/g, "''")}'`}`;
  return `${column.name} ${type} ${nullability}${fallback}`;
}

export function createTable(spec: TableSpec): MigrationStep {
  return {
    name: `create-${spec.name}`,
    async up(db, dialect) {
      const parts = spec.columns.map((column) => columnSql(dialect, column));
      if (spec.primaryKey) parts.push(`primary key (${spec.primaryKey.join(', ')})`);
      for (const columns of spec.unique ?? []) {
        parts.push(`constraint ${spec.name}_${columns.join('_')}_unique unique (${columns.join(', ')})`);
      }
      const options = dialect === 'mysql' ? ' engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin' : '';
      await sql.raw(`create table if not exists ${spec.name} (${parts.join(', ')})${options}`).execute(db);
    },
  };
}

const indexName = (table: string, columns: readonly string[]): string =>
  `${table}_${columns.join('_')}_index`;

export function createIndex(table: string, columns: readonly string[]): MigrationStep {
  const name = indexName(table, columns);
  return {
    name: `index-${name}`,
    async up(db, dialect) {
      if (dialect === 'mysql') {
        // Aurora MySQL 3 has no CREATE INDEX IF NOT EXISTS, so look first.
        if (await mysqlIndexExists(db, table, name)) return;
        await sql.raw(`create index ${name} on ${table} (${columns.join(', ')})`).execute(db);
        return;
      }
      await sql.raw(`create index if not exists ${name} on ${table} (${columns.join(', ')})`).execute(db);
    },
  };
}

async function mysqlIndexExists(db: Kysely<unknown>, table: string, name: string): Promise<boolean> {
  const existing = await sql<{ n: number }>`select count(*) as n from information_schema.statistics
    where table_schema = database() and table_name = ${table} and index_name = ${name}`.execute(db);
  return Number(existing.rows[0]?.n) > 0;
}

export function dropIndex(table: string, columns: readonly string[]): MigrationStep {
  const name = indexName(table, columns);
  return {
    name: `drop-index-${name}`,
    async up(db, dialect) {
      if (dialect === 'mysql') {
        if (!(await mysqlIndexExists(db, table, name))) return;
        await sql.raw(`drop index ${name} on ${table}`).execute(db);
        return;
      }
      await sql.raw(`drop index if exists ${name}`).execute(db);
    },
  };
}

export function insertRowIfMissing(
  table: string,
  key: Record<string, string | number>,
  values: Record<string, string | number>,
): MigrationStep {
  return {
    name: `seed-${table}-${Object.values(key).join('-')}`,
    async up(db) {
      const where = Object.entries(key);
      let query = db.selectFrom(table as never).select(sql`1`.as('one'));
      for (const [column, value] of where) query = query.where(column as never, '=', value as never);
      const found = await query.executeTakeFirst();
      if (found) return;
      await db
        .insertInto(table as never)
        .values({ ...key, ...values } as never)
        .execute();
    },
  };
}
