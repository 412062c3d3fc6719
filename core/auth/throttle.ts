import type { Db } from '../db/database.ts';
import { PosternError } from '../errors.ts';

// Counts failures per key (an address, an account) in a fixed window, in the database so every
// Lambda sees the same counts. Once a key reaches its limit it is blocked for the window.

export interface ThrottleRule {
  limit: number;
  windowMs: number;
}

export async function assertNotThrottled(db: Db, keys: readonly string[], now: number): Promise<void> {
  if (keys.length === 0) return;
  const rows = await db
    .selectFrom('auth_throttles')
    .select(['blocked_until'])
    .where('throttle_key', 'in', keys)
    .where('blocked_until', '>', now)
    .execute();
  const until = Math.max(0, ...rows.map((row) => row.blocked_until ?? 0));
  if (until > now) {
    throw new PosternError('too_many_requests', 'too many failed attempts; try again later', {
      retryAfter: Math.ceil((until - now) / 1000),
    });
  }
}

export async function recordFailure(db: Db, key: string, rule: ThrottleRule, now: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // Insert-or-ignore first, so two first failures at once cannot collide on the key.
    await trx
      .insertInto('auth_throttles')
      .ignore()
      .values({ throttle_key: key, failures: 0, window_started_at: now, blocked_until: null })
      .execute();
    const row = await trx
      .selectFrom('auth_throttles')
      .selectAll()
      .where('throttle_key', '=', key)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const fresh = now - row.window_started_at >= rule.windowMs;
    const failures = fresh ? 1 : row.failures + 1;
    await trx
      .updateTable('auth_throttles')
      .set({
        failures,
        window_started_at: fresh ? now : row.window_started_at,
        blocked_until: failures >= rule.limit ? now + rule.windowMs : null,
      })
      .where('throttle_key', '=', key)
      .execute();
  });
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.deleteFrom('auth_throttles').where('throttle_key', '=', key).execute();
}

export async function pruneThrottles(db: Db, now: number, olderThanMs: number): Promise<void> {
  await db
    .deleteFrom('auth_throttles')
    .where('window_started_at', '<', now - olderThanMs)
    .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', now)]))
    .execute();
}
