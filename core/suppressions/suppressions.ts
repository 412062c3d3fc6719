import { sql, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Db } from '../db/database.ts';
import type { Database, Row } from '../db/schema.ts';
import type { Clock } from '../ports.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { invalid, notFound } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { paginate, type Page } from '../management/pagination.ts';
import type { ServerScope } from '../management/scope.ts';
import {
  suppressionCsv,
  suppressionView,
  type CreateSuppressionInput,
  type SuppressionQuery,
  type SuppressionView,
} from './suppression-schemas.ts';

/** Postal's default_suppression_list_automatic_removal_days. */
export const SUPPRESSION_KEEP_DAYS = 30;
const DAY = 86_400_000;

type Source = Row<'suppressions'>['source'];

interface SuppressionWrite {
  address: string;
  reason: string;
  source: Source;
  keepUntil: number | null;
}

const normalized = (address: string): string => address.trim().toLowerCase();

// keep_until is inclusive; null never expires.
const activeAt = (now: number) => (eb: ExpressionBuilder<Database, 'suppressions'>) =>
  eb.or([eb('keep_until', 'is', null), eb('keep_until', '>=', now)]);

const later = (a: number | null, b: number | null): number | null =>
  a === null || b === null ? null : Math.max(a, b);

/**
 * Suppresses `address` for `keepDays` from now. Re-adding refreshes the reason and keep_until, as
 * Postal does, except that an automatic add never shortens or relabels an active manual entry.
 */
export async function addSuppression(
  db: Db,
  clock: Clock,
  serverId: number,
  address: string,
  reason: string,
  source: Source,
  keepDays: number = SUPPRESSION_KEEP_DAYS,
): Promise<void> {
  const now = clock.now();
  await writeSuppression(db, serverId, { address, reason, source, keepUntil: now + keepDays * DAY }, now);
}

/** The entry that holds mail to `address`, if one is active; expired entries no longer count. */
export async function activeSuppression(
  db: Db,
  clock: Clock,
  serverId: number,
  address: string,
): Promise<Row<'suppressions'> | null> {
  const row = await db
    .selectFrom('suppressions')
    .selectAll()
    .where('server_id', '=', serverId)
    .where('type', '=', 'recipient')
    .where('address', '=', normalized(address))
    .where(activeAt(clock.now()))
    .executeTakeFirst();
  return row ?? null;
}

export async function isSuppressed(
  db: Db,
  clock: Clock,
  serverId: number,
  address: string,
): Promise<boolean> {
  return (await activeSuppression(db, clock, serverId, address)) !== null;
}

/** Whether an entry (active or expired) was removed; a Sent result removes the address, as Postal. */
export async function removeSuppression(db: Db, serverId: number, address: string): Promise<boolean> {
  const result = await db
    .deleteFrom('suppressions')
    .where('server_id', '=', serverId)
    .where('type', '=', 'recipient')
    .where('address', '=', normalized(address))
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Deletes expired entries (lookups already ignore them); returns how many. */
export async function pruneExpiredSuppressions(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('suppressions').where('keep_until', '<', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function listSuppressions(
  ctx: AppContext,
  scope: ServerScope,
  query: SuppressionQuery,
): Promise<Page<SuppressionView>> {
  let rows = activeRows(ctx, scope);
  if (query.address !== undefined) {
    // '!' escapes LIKE's wildcards; a backslash would mean different things to MySQL and SQLite.
    const pattern = `%${normalized(query.address).replace(/[!%_]/g, '!$&')}%`;
    rows = rows.where(sql<SqlBool>`address like ${pattern} escape '!'`);
  }
  const page = await paginate(rows, 'id', query, 'desc');
  return { data: page.rows.map(suppressionView), next_cursor: page.next_cursor };
}

export async function getSuppression(
  ctx: AppContext,
  scope: ServerScope,
  address: string,
): Promise<SuppressionView> {
  const row = await activeSuppression(ctx.db, ctx.clock, scope.server.id, address);
  if (!row) throw notFound('suppression');
  return suppressionView(row);
}

/** Always 201: a new entry, or an existing one refreshed with this reason and keep_until. */
export async function createSuppression(
  ctx: AppContext,
  scope: ServerScope,
  input: CreateSuppressionInput,
): Promise<SuppressionView> {
  const now = ctx.clock.now();
  const keepUntil = input.keep_until === undefined ? now + SUPPRESSION_KEEP_DAYS * DAY : input.keep_until;
  if (keepUntil !== null && keepUntil <= now) throw invalid('keep_until', 'must be in the future');
  return mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
    const entry = { address: input.address, reason: input.reason, source: 'manual' as const, keepUntil };
    const view = suppressionView(await writeSuppression(trx, scope.server.id, entry, now));
    return {
      result: view,
      audit: {
        action: 'suppression.create',
        resourceType: 'suppression',
        resourceUuid: null,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: { address: view.address, reason: view.reason, keep_until: view.keep_until },
      },
    };
  });
}

export async function deleteSuppression(ctx: AppContext, scope: ServerScope, address: string): Promise<void> {
  await mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
    const row = await activeSuppression(trx, ctx.clock, scope.server.id, address);
    if (!row) throw notFound('suppression');
    await removeSuppression(trx, scope.server.id, row.address);
    return {
      result: undefined,
      audit: {
        action: 'suppression.delete',
        resourceType: 'suppression',
        resourceUuid: null,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: { address: row.address, reason: row.reason, source: row.source },
      },
    };
  });
}

/** Every active entry as CSV: address,reason,source,timestamp,keep_until. */
export async function exportSuppressions(ctx: AppContext, scope: ServerScope): Promise<string> {
  const rows = await activeRows(ctx, scope).orderBy('address').execute();
  return suppressionCsv(rows.map(suppressionView));
}

function activeRows(ctx: AppContext, scope: ServerScope) {
  return ctx.db
    .selectFrom('suppressions')
    .selectAll()
    .where('server_id', '=', scope.server.id)
    .where('type', '=', 'recipient')
    .where(activeAt(ctx.clock.now()));
}

async function writeSuppression(
  db: Db,
  serverId: number,
  entry: SuppressionWrite,
  now: number,
): Promise<Row<'suppressions'>> {
  const address = normalized(entry.address);
  const find = () =>
    db
      .selectFrom('suppressions')
      .selectAll()
      .where('server_id', '=', serverId)
      .where('type', '=', 'recipient')
      .where('address', '=', address);
  const existing = await find().executeTakeFirst();
  if (existing) {
    await db
      .updateTable('suppressions')
      .set(refreshed(existing, entry, now))
      .where('id', '=', existing.id)
      .execute();
  } else {
    try {
      await db
        .insertInto('suppressions')
        .values({
          server_id: serverId,
          type: 'recipient',
          address,
          reason: entry.reason,
          source: entry.source,
          timestamp: now,
          keep_until: entry.keepUntil,
        })
        .execute();
    } catch (error) {
      // A concurrent add inserted it first: refresh that entry instead.
      if (!isUniqueViolation(error)) throw error;
      return writeSuppression(db, serverId, entry, now);
    }
  }
  return find().executeTakeFirstOrThrow();
}

function refreshed(existing: Row<'suppressions'>, entry: SuppressionWrite, now: number) {
  const active = existing.keep_until === null || existing.keep_until >= now;
  const fresh = { reason: entry.reason, source: entry.source, keep_until: entry.keepUntil };
  // An expired entry that was not pruned yet is suppressed anew.
  if (!active) return { ...fresh, timestamp: now };
  if (entry.source === 'automatic' && existing.source === 'manual') {
    return { keep_until: later(existing.keep_until, entry.keepUntil) };
  }
  return fresh;
}
