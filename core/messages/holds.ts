import type { AppContext } from '../context.ts';
import type { Row } from '../db/schema.ts';
import { incrementStats } from '../stats/message-stats.ts';
import { addDelivery } from './message-deliveries.ts';
import { emitMessageEvent } from './message-events.ts';
import type { ProcessOutcome, ProcessState } from './process-state.ts';

/** Held mail waits this long for a release, then its hold is cancelled (Postal's default). */
export const HOLD_EXPIRY_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Holds a message that is waiting for attempt `attempt`. The update is conditional on the message
 * still waiting for that attempt and not held, so a job processed twice holds it once.
 */
export async function holdMessage(
  ctx: AppContext,
  message: Row<'messages'>,
  attempt: number,
  reason: string,
  options: { countLive?: (trx: AppContext['db']) => Promise<void> } = {},
): Promise<boolean> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('messages')
      .set({ status: 'Held', held: 1, hold_expiry: now + HOLD_EXPIRY_MS })
      .where('id', '=', message.id)
      .where('attempt', '=', attempt - 1)
      .where('held', '=', 0)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return false;
    await addDelivery(trx, message, { status: 'Held', details: reason }, now);
    await incrementStats(trx, ctx.dialect, message.server_id, now, { held: 1 });
    await options.countLive?.(trx);
    return true;
  });
}

/** The process stage's hold: the message held for its job's attempt, and MessageHeld told. */
export async function holdForJob(
  state: ProcessState,
  reason: string,
  options: { countLive?: (trx: AppContext['db']) => Promise<void> } = {},
): Promise<ProcessOutcome> {
  const { ctx, message, job } = state;
  const held = await holdMessage(ctx, message, job.attempt, reason, options);
  if (held) {
    state.log.info('message held', { reason });
    await emitMessageEvent(ctx, message, { status: 'Held', details: reason }, state.memo);
  }
  return { outcome: held ? 'held' : 'skipped', reason };
}

/** Postal's first check of every message, incoming or outgoing: a suspended server holds its mail. */
export async function holdIfSuspended(state: ProcessState): Promise<ProcessOutcome | null> {
  if (state.server.suspended_at === null && state.organization.suspended_at === null) return null;
  return holdForJob(state, 'Mail server has been suspended. No e-mails can be processed at present.');
}

/** Postal's hold of every message of a server in Development mode; a manual job goes through. */
export async function holdIfDevelopmentMode(
  state: ProcessState,
  options: { countLive?: (trx: AppContext['db']) => Promise<void> } = {},
): Promise<ProcessOutcome | null> {
  if (state.server.mode !== 'Development' || state.job.manual) return null;
  return holdForJob(state, 'Server is in development mode.', options);
}

/** Ends a hold without sending: HoldCancelled, with the reason. False when it was not held any more. */
export async function cancelHold(
  ctx: AppContext,
  message: Row<'messages'>,
  reason: string,
): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('messages')
      .set({ status: 'HoldCancelled', held: 0, hold_expiry: null })
      .where('id', '=', message.id)
      .where('held', '=', 1)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return false;
    await addDelivery(trx, message, { status: 'HoldCancelled', details: reason }, ctx.clock.now());
    return true;
  });
}
