import type { AppContext } from '../context.ts';
import { PosternError, notFound } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { paginate, type Page, type PageQuery } from '../management/pagination.ts';
import type { ServerScope } from '../management/scope.ts';
import { WEBHOOK_QUEUE, WebhookJob, type WebhookEvent, type WebhookPayload } from './webhook-job.ts';
import {
  storedEnvelope,
  webhookRequestDetail,
  webhookRequestView,
  type QueuedWebhookEventView,
  type TestWebhookInput,
  type WebhookRequestDetail,
  type WebhookRequestView,
} from './webhook-request-schemas.ts';
import { samplePayload } from './webhook-samples.ts';

// A webhook's delivery history (one row per attempt), and the two ways to send something to it
// by hand: replaying a logged event and sending a sample one.

/** Attempts, newest first. */
export async function listWebhookRequests(
  ctx: AppContext,
  scope: ServerScope,
  webhookUuid: string,
  page: PageQuery,
): Promise<Page<WebhookRequestView>> {
  const webhook = await findWebhook(ctx, scope, webhookUuid);
  const { rows, next_cursor } = await paginate(
    ctx.db
      .selectFrom('webhook_requests')
      .select([
        'id',
        'uuid',
        'server_id',
        'webhook_id',
        'event_uuid',
        'event',
        'url',
        'attempt',
        'status_code',
        'error',
        'will_retry',
        'timestamp',
      ])
      .where('server_id', '=', scope.server.id)
      .where('webhook_id', '=', webhook.id),
    'id',
    page,
    'desc',
  );
  return { data: rows.map(webhookRequestView), next_cursor };
}

export async function getWebhookRequest(
  ctx: AppContext,
  scope: ServerScope,
  webhookUuid: string,
  requestUuid: string,
): Promise<WebhookRequestDetail> {
  const webhook = await findWebhook(ctx, scope, webhookUuid);
  return webhookRequestDetail(await findRequest(ctx, scope, webhook.id, requestUuid));
}

/** Queues the logged event again, with its uuid, time and payload; its attempts start again at 1. */
export async function replayWebhookRequest(
  ctx: AppContext,
  scope: ServerScope,
  webhookUuid: string,
  requestUuid: string,
): Promise<QueuedWebhookEventView> {
  const webhook = await findWebhook(ctx, scope, webhookUuid);
  const request = await findRequest(ctx, scope, webhook.id, requestUuid);
  const envelope = storedEnvelope(request);
  if (!envelope) throw new PosternError('conflict', 'this request has no stored event to replay');
  return queueForWebhook(ctx, scope, webhook, {
    action: 'webhook.replay',
    eventUuid: request.event_uuid,
    event: envelope.event,
    timestamp: envelope.timestamp,
    payload: envelope.payload,
  });
}

/** Queues a made-up event, so users can check their receiver; it is logged like any other. */
export async function testWebhook(
  ctx: AppContext,
  scope: ServerScope,
  webhookUuid: string,
  input: TestWebhookInput,
): Promise<QueuedWebhookEventView> {
  const webhook = await findWebhook(ctx, scope, webhookUuid);
  const now = ctx.clock.now();
  return queueForWebhook(ctx, scope, webhook, {
    action: 'webhook.test',
    eventUuid: ctx.ids.uuid(),
    event: input.event,
    timestamp: now / 1000,
    payload: samplePayload(input.event, scope.server, scope.organization.permalink, now),
  });
}

async function queueForWebhook(
  ctx: AppContext,
  scope: ServerScope,
  webhook: { id: number; uuid: string },
  event: {
    action: string;
    eventUuid: string;
    event: WebhookEvent;
    timestamp: number;
    payload: WebhookPayload;
  },
): Promise<QueuedWebhookEventView> {
  const job = WebhookJob.parse({
    version: 1,
    webhookId: webhook.id,
    serverId: scope.server.id,
    eventUuid: event.eventUuid,
    event: event.event,
    timestamp: event.timestamp,
    payload: event.payload,
  });
  // Sent before the audit row: a queue cannot join the transaction, and an audit entry for an
  // event that was never queued would be the worse mistake.
  await ctx.queue.send(WEBHOOK_QUEUE, JSON.stringify(job));
  const result = { event_uuid: job.eventUuid, event: job.event };
  return mutate(ctx, scope.actor, { affectsPolicy: false }, async () => ({
    result,
    audit: {
      action: event.action,
      resourceType: 'webhook',
      resourceUuid: webhook.uuid,
      organizationId: scope.organization.id,
      serverId: scope.server.id,
      changes: result,
    },
  }));
}

async function findWebhook(ctx: AppContext, scope: ServerScope, uuid: string) {
  const row = await ctx.db
    .selectFrom('webhooks')
    .select(['id', 'uuid'])
    .where('server_id', '=', scope.server.id)
    .where('uuid', '=', uuid)
    .executeTakeFirst();
  if (!row) throw notFound('webhook');
  return row;
}

async function findRequest(ctx: AppContext, scope: ServerScope, webhookId: number, uuid: string) {
  const row = await ctx.db
    .selectFrom('webhook_requests')
    .selectAll()
    .where('server_id', '=', scope.server.id)
    .where('webhook_id', '=', webhookId)
    .where('uuid', '=', uuid)
    .executeTakeFirst();
  if (!row) throw notFound('webhook request');
  return row;
}

/** The attempt log is kept 10 days, as Postal's hourly prune does. */
export const WEBHOOK_REQUEST_RETENTION_MS = 10 * 24 * 60 * 60 * 1000;

export async function pruneWebhookRequests(db: AppContext['db'], now: number): Promise<number> {
  const result = await db
    .deleteFrom('webhook_requests')
    .where('timestamp', '<', now - WEBHOOK_REQUEST_RETENTION_MS)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
