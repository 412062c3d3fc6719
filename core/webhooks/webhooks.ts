import type { AppContext } from '../context.ts';
import type { Db } from '../db/database.ts';
import { invalid, notFound } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { paginate, type Page, type PageQuery } from '../management/pagination.ts';
import type { ServerScope } from '../management/scope.ts';
import { bit, bool } from '../management/view-helpers.ts';
import { hostOf, redactUrl, requireAllowedTarget } from '../routing/target-schemas.ts';
import {
  orderEvents,
  webhookView,
  type CreateWebhookInput,
  type UpdateWebhookInput,
  type WebhookView,
} from './webhook-schemas.ts';

export async function listWebhooks(
  ctx: AppContext,
  scope: ServerScope,
  page: PageQuery,
): Promise<Page<WebhookView>> {
  const { rows, next_cursor } = await paginate(
    ctx.db.selectFrom('webhooks').selectAll().where('server_id', '=', scope.server.id),
    'id',
    page,
  );
  const events = await eventsOf(
    ctx.db,
    rows.map((row) => row.id),
  );
  return { data: rows.map((row) => webhookView(row, events.get(row.id) ?? [])), next_cursor };
}

export async function getWebhook(ctx: AppContext, scope: ServerScope, uuid: string): Promise<WebhookView> {
  return viewOf(ctx.db, scope, uuid);
}

export async function createWebhook(
  ctx: AppContext,
  scope: ServerScope,
  input: CreateWebhookInput,
): Promise<WebhookView> {
  requireAllowedTarget(ctx.allowPrivateTargets, 'url', hostOf(input.url));
  requireConsistentEvents(input.all_events, input.events);
  const now = ctx.clock.now();
  return mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
    const uuid = ctx.ids.uuid();
    await trx
      .insertInto('webhooks')
      .values({
        uuid,
        server_id: scope.server.id,
        name: input.name,
        url: input.url,
        enabled: bit(input.enabled),
        all_events: bit(input.all_events),
        last_used_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const webhook = await findWebhook(trx, scope, uuid);
    await replaceEvents(trx, webhook.id, input.events);
    return {
      result: await viewOf(trx, scope, uuid),
      audit: {
        action: 'webhook.create',
        resourceType: 'webhook',
        resourceUuid: uuid,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: { ...input, url: redactUrl(input.url) },
      },
    };
  });
}

export async function updateWebhook(
  ctx: AppContext,
  scope: ServerScope,
  uuid: string,
  input: UpdateWebhookInput,
): Promise<WebhookView> {
  if (input.url !== undefined) requireAllowedTarget(ctx.allowPrivateTargets, 'url', hostOf(input.url));
  const now = ctx.clock.now();
  const { enabled, all_events, events, ...plain } = input;
  return mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
    const webhook = await findWebhook(trx, scope, uuid);
    const allEvents = all_events ?? bool(webhook.all_events);
    requireConsistentEvents(allEvents, events ?? []);
    await trx
      .updateTable('webhooks')
      .set({
        ...plain,
        ...(enabled !== undefined ? { enabled: bit(enabled) } : {}),
        ...(all_events !== undefined ? { all_events: bit(all_events) } : {}),
        updated_at: now,
      })
      .where('id', '=', webhook.id)
      .execute();
    if (allEvents) await replaceEvents(trx, webhook.id, []);
    else if (events !== undefined) await replaceEvents(trx, webhook.id, events);
    return {
      result: await viewOf(trx, scope, uuid),
      audit: {
        action: 'webhook.update',
        resourceType: 'webhook',
        resourceUuid: uuid,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: { ...input, ...(input.url !== undefined ? { url: redactUrl(input.url) } : {}) },
      },
    };
  });
}

export async function deleteWebhook(ctx: AppContext, scope: ServerScope, uuid: string): Promise<void> {
  await mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
    const webhook = await findWebhook(trx, scope, uuid);
    await trx.deleteFrom('webhook_events').where('webhook_id', '=', webhook.id).execute();
    await trx.deleteFrom('webhooks').where('id', '=', webhook.id).execute();
    return {
      result: undefined,
      audit: {
        action: 'webhook.delete',
        resourceType: 'webhook',
        resourceUuid: uuid,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: { name: webhook.name },
      },
    };
  });
}

/** A list of events next to all_events would be ignored; refusing it avoids a silent surprise. */
function requireConsistentEvents(allEvents: boolean, events: readonly string[]): void {
  if (allEvents && events.length > 0) {
    throw invalid(
      'events',
      'must be empty when all_events is true; set all_events to false to choose events',
    );
  }
}

async function replaceEvents(trx: Db, webhookId: number, events: readonly string[]): Promise<void> {
  await trx.deleteFrom('webhook_events').where('webhook_id', '=', webhookId).execute();
  const unique = orderEvents(events);
  if (unique.length === 0) return;
  await trx
    .insertInto('webhook_events')
    .values(unique.map((event) => ({ webhook_id: webhookId, event })))
    .execute();
}

async function eventsOf(db: Db, webhookIds: readonly number[]): Promise<Map<number, string[]>> {
  const byWebhook = new Map<number, string[]>();
  if (webhookIds.length === 0) return byWebhook;
  const rows = await db
    .selectFrom('webhook_events')
    .selectAll()
    .where('webhook_id', 'in', webhookIds)
    .execute();
  for (const row of rows)
    byWebhook.set(row.webhook_id, [...(byWebhook.get(row.webhook_id) ?? []), row.event]);
  return byWebhook;
}

async function viewOf(db: Db, scope: Pick<ServerScope, 'server'>, uuid: string): Promise<WebhookView> {
  const webhook = await findWebhook(db, scope, uuid);
  const events = await eventsOf(db, [webhook.id]);
  return webhookView(webhook, events.get(webhook.id) ?? []);
}

async function findWebhook(db: Db, scope: Pick<ServerScope, 'server'>, uuid: string) {
  const row = await db
    .selectFrom('webhooks')
    .selectAll()
    .where('server_id', '=', scope.server.id)
    .where('uuid', '=', uuid)
    .executeTakeFirst();
  if (!row) throw notFound('webhook');
  return row;
}
