import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { SqlDialect } from '../db/sql-dialect.ts';

// Hourly and daily counters per server, and the per-minute live counts the send limit reads.
// Increments are upserts so concurrent stages never lose a count; callers increment inside the
// transaction of the change they count, so a stage that runs twice counts once.

export type StatColumn = 'incoming' | 'outgoing' | 'spam' | 'bounces' | 'held';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The start of the hour `at` falls in: the time of its stats_hourly row. */
export const hourBucket = (at: number): number => Math.floor(at / HOUR) * HOUR;

export async function incrementStats(
  trx: Db,
  dialect: SqlDialect,
  serverId: number,
  at: number,
  counts: Partial<Record<StatColumn, number>>,
): Promise<void> {
  const entries = Object.entries(counts).filter(([, n]) => n !== undefined && n > 0) as [
    StatColumn,
    number,
  ][];
  if (entries.length === 0) return;
  for (const [table, bucket] of [
    ['stats_hourly', hourBucket(at)],
    ['stats_daily', Math.floor(at / DAY) * DAY],
  ] as const) {
    const values = {
      server_id: serverId,
      time: bucket,
      incoming: 0,
      outgoing: 0,
      spam: 0,
      bounces: 0,
      held: 0,
    };
    for (const [column, n] of entries) values[column] = n;
    const increments = Object.fromEntries(
      entries.map(([column, n]) => [column, sql`${sql.ref(`${table}.${column}`)} + ${n}`]),
    );
    const insert = trx.insertInto(table).values(values);
    await (
      dialect === 'mysql'
        ? insert.onDuplicateKeyUpdate(increments)
        : insert.onConflict((conflict) => conflict.columns(['server_id', 'time']).doUpdateSet(increments))
    ).execute();
  }
}

/** Counts one more message in the current minute, for the rolling-hour send limit. */
export async function incrementLiveStats(
  trx: Db,
  dialect: SqlDialect,
  serverId: number,
  type: 'incoming' | 'outgoing',
  at: number,
): Promise<void> {
  const minute = Math.floor(at / 60_000);
  const insert = trx.insertInto('live_stats').values({ server_id: serverId, type, minute, count: 1 });
  const increment = { count: sql<number>`live_stats.count + 1` };
  await (
    dialect === 'mysql'
      ? insert.onDuplicateKeyUpdate(increment)
      : insert.onConflict((conflict) =>
          conflict.columns(['server_id', 'type', 'minute']).doUpdateSet(increment),
        )
  ).execute();
}

/** Messages counted in the last `minutes` minutes, the current one included. */
export async function liveCount(
  db: Db,
  serverId: number,
  type: 'incoming' | 'outgoing',
  at: number,
  minutes = 60,
): Promise<number> {
  const minute = Math.floor(at / 60_000);
  const row = await db
    .selectFrom('live_stats')
    .select((eb) => eb.fn.sum<number>('count').as('total'))
    .where('server_id', '=', serverId)
    .where('type', '=', type)
    .where('minute', '>', minute - minutes)
    .executeTakeFirst();
  return Number(row?.total ?? 0);
}

export async function pruneLiveStats(db: Db, at: number): Promise<void> {
  await db
    .deleteFrom('live_stats')
    .where('minute', '<', Math.floor(at / 60_000) - 120)
    .execute();
}
