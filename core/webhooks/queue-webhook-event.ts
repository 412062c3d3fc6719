import type { AppContext } from '../context.ts';
import type { Db } from '../db/database.ts';
import { BatchMemo } from '../messages/batch-memo.ts';
import { SELECTABLE_WEBHOOK_EVENTS } from './webhook-events.ts';
import { WEBHOOK_QUEUE, WebhookJob, type WebhookEvent, type WebhookPayload } from './webhook-job.ts';

/**
 * Queues `event` for each enabled webhook of the server that subscribes to it: all-events
 * webhooks get everything, the others the events they list. The send-limit events cannot be
 * listed, so only all-events webhooks get them, as in Postal. `eventUuid` becomes the envelope's
 * uuid; a stage that runs twice should pass the same one, so receivers can drop the repeat.
 * Resolves with the number of webhooks the event was queued for.
 */
export async function queueWebhookEvent(
  ctx: Pick<AppContext, 'db' | 'queue' | 'clock'>,
  serverId: number,
  event: WebhookEvent,
  payload: WebhookPayload,
  eventUuid: string,
  memo: BatchMemo = new BatchMemo(),
): Promise<number> {
  const webhookIds = await memo.get(`webhooks:${serverId}:${event}`, () =>
    subscribedWebhooks(ctx.db, serverId, event),
  );
  if (webhookIds.length === 0) return 0;
  const timestamp = ctx.clock.now() / 1000;
  const bodies = webhookIds.map((webhookId) =>
    JSON.stringify(
      WebhookJob.parse({ version: 1, webhookId, serverId, eventUuid, event, timestamp, payload }),
    ),
  );
  await ctx.queue.sendBatch(WEBHOOK_QUEUE, bodies);
  return webhookIds.length;
}

async function subscribedWebhooks(db: Db, serverId: number, event: WebhookEvent): Promise<number[]> {
  const selectable = (SELECTABLE_WEBHOOK_EVENTS as readonly string[]).includes(event);
  const rows = await db
    .selectFrom('webhooks')
    .select('id')
    .where('server_id', '=', serverId)
    .where('enabled', '=', 1)
    .where((eb) =>
      selectable
        ? eb.or([
            eb('all_events', '=', 1),
            eb.exists(
              eb
                .selectFrom('webhook_events')
                .select('webhook_events.webhook_id')
                .whereRef('webhook_events.webhook_id', '=', 'webhooks.id')
                .where('webhook_events.event', '=', event),
            ),
          ])
        : eb('all_events', '=', 1),
    )
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
}
