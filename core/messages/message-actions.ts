import type { SelectQueryBuilder } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Db } from '../db/database.ts';
import type { Database, Row } from '../db/schema.ts';
import { PosternError, invalid, notFound } from '../errors.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { paginate, type Page, type PageQuery } from '../management/pagination.ts';
import type { ServerScope } from '../management/scope.ts';
import { cancelHold } from './holds.ts';
import { PROCESS_QUEUE, processJob } from './process-job.ts';
import {
  deliveryView,
  messageView,
  type MessageFilter,
  type MessageView,
  type MessageDetailView,
} from './message-schemas.ts';
import type { z } from 'zod';

// What people do with messages through the management API: look at them, release a held one
// (it goes through the process stage again, skipping the holds a person overrides), cancel a
// hold, or send one again; one by one or in bulk by filter (Postal #257).

/** A bulk action takes at most this many messages per call; the result says how many matched. */
export const BULK_LIMIT = 10_000;

function filtered<O>(
  query: SelectQueryBuilder<Database, 'messages', O>,
  serverId: number,
  filter: MessageFilter,
) {
  let q = query.where('server_id', '=', serverId);
  if (filter.direction) q = q.where('scope', '=', filter.direction);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.held !== undefined) q = q.where('held', '=', filter.held ? 1 : 0);
  if (filter.to) q = q.where('rcpt_to', '=', filter.to);
  if (filter.from) q = q.where('mail_from', '=', filter.from);
  if (filter.tag) q = q.where('tag', '=', filter.tag);
  if (filter.before) q = q.where('timestamp', '<', Date.parse(filter.before));
  if (filter.after) q = q.where('timestamp', '>', Date.parse(filter.after));
  return q;
}

export async function listMessages(
  ctx: AppContext,
  scope: ServerScope,
  filter: MessageFilter,
  page: PageQuery,
): Promise<Page<MessageView>> {
  const { rows, next_cursor } = await paginate(
    filtered(ctx.db.selectFrom('messages').selectAll(), scope.server.id, filter),
    'id',
    page,
    'desc',
  );
  return { data: rows.map(messageView), next_cursor };
}

async function findMessage(db: Db, scope: ServerScope, id: number): Promise<Row<'messages'>> {
  const message = await db
    .selectFrom('messages')
    .selectAll()
    .where('id', '=', id)
    .where('server_id', '=', scope.server.id)
    .executeTakeFirst();
  if (!message) throw notFound('message');
  return message;
}

export async function getMessage(
  ctx: AppContext,
  scope: ServerScope,
  id: number,
): Promise<z.infer<typeof MessageDetailView>> {
  // One snapshot for both reads: the results stage records a delivery and the status it brings
  // in one transaction, and two separate reads could show the delivery beside the status before it.
  return ctx.db.transaction().execute(async (trx) => {
    const message = await findMessage(trx, scope, id);
    const deliveries = await trx
      .selectFrom('deliveries')
      .selectAll()
      .where('message_id', '=', id)
      .orderBy('timestamp')
      .orderBy('id')
      .execute();
    return { ...messageView(message), deliveries: deliveries.map(deliveryView) };
  });
}

type Action = 'release' | 'cancel_hold' | 'retry';

/** Whether `action` applies to the message as it is; bulk actions skip the ones it does not. */
function applies(action: Action, message: Row<'messages'>): boolean {
  if (action === 'release' || action === 'cancel_hold') return message.held === 1;
  return (
    message.held === 0 && ['Sent', 'SoftFail', 'HardFail', 'HoldCancelled', 'Error'].includes(message.status)
  );
}

async function apply(
  ctx: AppContext,
  action: Action,
  message: Row<'messages'>,
  actorEmail: string,
): Promise<void> {
  if (action === 'cancel_hold') {
    await cancelHold(ctx, message, `Hold cancelled by ${actorEmail}`);
    return;
  }
  // The job is queued before anything changes: should the process die here, the message is
  // still held (or failed) and the action can be repeated; a job queued twice runs once. Either
  // way a new run of attempts begins, as Postal queues the message afresh.
  const next = message.attempt + 1;
  const job =
    message.status === 'SoftFail'
      ? // Postal's "retry now": the waiting retry made due at once, through the same holds. Both
        // name the same attempt; whichever runs first takes it and the other finds it taken.
        processJob(message.id, next, { firstAttempt: next })
      : processJob(message.id, next, {
          manual: true,
          intent: action === 'release' ? 'release' : 'resend',
          firstAttempt: next,
        });
  await ctx.queue.send(PROCESS_QUEUE, JSON.stringify(job));
}

export async function actOnMessage(
  ctx: AppContext,
  scope: ServerScope,
  id: number,
  action: Action,
): Promise<MessageView> {
  const message = await findMessage(ctx.db, scope, id);
  if (!applies(action, message)) {
    const why =
      action === 'retry' ? 'only sent or failed messages can be sent again' : 'the message is not held';
    throw new PosternError('conflict', why, { details: [{ field: 'status', message: why }] });
  }
  await apply(ctx, action, message, scope.actor.email);
  await audit(ctx, scope, action, { message_id: id });
  return messageView(await findMessage(ctx.db, scope, id));
}

export async function actOnMessages(
  ctx: AppContext,
  scope: ServerScope,
  filter: MessageFilter,
  action: Action,
): Promise<{ matched: number; changed: number }> {
  // Sending again is the one bulk action that reaches recipients who already have the mail: it
  // must say which messages, so that an empty filter cannot resend everything ever sent.
  if (action === 'retry' && filter.status === undefined) {
    throw invalid('status', 'sending again in bulk needs a status to choose the messages by');
  }
  const base = action === 'retry' ? filter : { ...filter, held: true };
  const messages = await filtered(ctx.db.selectFrom('messages').selectAll(), scope.server.id, base)
    .orderBy('id')
    .limit(BULK_LIMIT)
    .execute();
  let changed = 0;
  for (const message of messages) {
    if (!applies(action, message)) continue;
    await apply(ctx, action, message, scope.actor.email);
    changed += 1;
  }
  await audit(ctx, scope, `bulk_${action}`, { filter, matched: messages.length, changed });
  return { matched: messages.length, changed };
}

async function audit(ctx: AppContext, scope: ServerScope, action: string, changes: Record<string, unknown>) {
  await recordAudit(ctx.db, ctx, scope.actor, {
    action: `message.${action}`,
    resourceType: 'message',
    resourceUuid: null,
    organizationId: scope.organization.id,
    serverId: scope.server.id,
    changes,
  });
}
