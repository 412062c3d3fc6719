import type { Row } from '../db/schema.ts';
import { messageIdOfReturnPath } from '../delivery/return-path.ts';
import { holdForJob, holdIfDevelopmentMode, holdIfSuspended } from './holds.ts';
import { addDelivery } from './message-deliveries.ts';
import { emitBounceEvent } from './message-events.ts';
import { endAttempt } from './end-attempt.ts';
import { staleManualJob, type ProcessOutcome, type ProcessState } from './process-state.ts';

// The process stage for incoming mail. Bounces are linked to the message they return, by the
// message id in the return path (checked by its MAC), else by an X-Postal-MsgID in the body as
// Postal does. Mail for routes follows the route's mode; delivery to HTTP, SMTP and address
// endpoints is not built yet, so such mail is held with that reason rather than dropped.

export async function processIncoming(state: ProcessState): Promise<ProcessOutcome> {
  const { message, job } = state;
  if (message.attempt !== job.attempt - 1) return { outcome: 'skipped', reason: 'not the next attempt' };
  if (message.held === 1 && !job.manual) return { outcome: 'skipped', reason: 'the message is held' };
  const stale = staleManualJob(job, message);
  if (stale) return { outcome: 'skipped', reason: stale };
  const suspended = await holdIfSuspended(state);
  if (suspended) return suspended;
  if (message.bounce === 1) return linkBounce(state);
  // Bounces are linked first, as Postal does: the original learns of its bounce in any mode.
  return (await holdIfDevelopmentMode(state)) ?? followRoute(state);
}

async function linkBounce(state: ProcessState): Promise<ProcessOutcome> {
  const { ctx, message } = state;
  const original = await originalOf(state);
  if (!original) {
    const reason = 'This bounce could not be linked to a message sent from this server';
    await endAttempt(state, { status: 'HardFail', details: reason });
    return { outcome: 'failed', reason };
  }
  const linked = await endAttempt(state, {
    status: 'Processed',
    details: `Bounce for <msg:${original.id}>`,
    set: { bounce_for_id: original.id },
  });
  if (!linked) return { outcome: 'skipped', reason: 'already linked' };
  await ctx.db.transaction().execute(async (trx) => {
    await addDelivery(
      trx,
      original,
      { status: 'Bounced', details: `See <msg:${message.id}>` },
      ctx.clock.now(),
    );
    await trx.updateTable('messages').set({ status: 'Bounced' }).where('id', '=', original.id).execute();
  });
  await emitBounceEvent(ctx, original, message, state.memo);
  return { outcome: 'processed', reason: `linked to message ${original.id}` };
}

async function originalOf(state: ProcessState): Promise<Row<'messages'> | undefined> {
  const { ctx, message: bounce, server } = state;
  const local = bounce.rcpt_to.slice(0, bounce.rcpt_to.lastIndexOf('@'));
  const named = await messageIdOfReturnPath(ctx.keys, local);
  if (named && named.serverToken === server.token) {
    const found = await ctx.db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', named.messageId)
      .where('server_id', '=', bounce.server_id)
      .where('scope', '=', 'outgoing')
      .executeTakeFirst();
    if (found) return found;
  }
  // Postal's way: the returned message quotes the original's X-Postal-MsgID.
  const raw = bounce.raw_key === null ? null : await ctx.blobs.get(bounce.raw_key);
  if (!raw || raw === 'not-modified') return undefined;
  const tokens = [
    ...Buffer.from(raw.body)
      .toString('latin1')
      .matchAll(/X-Postal-MsgID:\s*([a-zA-Z0-9]+)/gi),
  ].map((match) => match[1] ?? '');
  if (tokens.length === 0) return undefined;
  return ctx.db
    .selectFrom('messages')
    .selectAll()
    .where('server_id', '=', bounce.server_id)
    .where('scope', '=', 'outgoing')
    .where('token', 'in', tokens)
    .executeTakeFirst();
}

async function followRoute(state: ProcessState): Promise<ProcessOutcome> {
  const { ctx, message, job } = state;
  const route =
    message.route_id === null
      ? undefined
      : await ctx.db.selectFrom('routes').selectAll().where('id', '=', message.route_id).executeTakeFirst();
  if (!route) {
    const reason = 'No route matches this message';
    await endAttempt(state, { status: 'HardFail', details: reason });
    return { outcome: 'failed', reason };
  }
  if (route.mode === 'Accept' || (route.mode === 'Hold' && job.manual)) {
    const reason = `Accepted by route ${route.name}`;
    await endAttempt(state, { status: 'Processed', details: reason });
    return { outcome: 'processed', reason };
  }
  if (route.mode === 'Bounce' || route.mode === 'Reject') {
    const reason = `Route ${route.name} does not accept incoming messages`;
    await endAttempt(state, { status: 'HardFail', details: reason });
    return { outcome: 'failed', reason };
  }
  const reason =
    route.mode === 'Hold'
      ? `Held by route ${route.name}`
      : 'Held: delivery to HTTP, SMTP and address endpoints is not available yet';
  return holdForJob(state, reason);
}
