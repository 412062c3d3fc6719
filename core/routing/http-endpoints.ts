import type { AppContext } from '../context.ts';
import type { Db } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { paginate, type Page, type PageQuery } from '../management/pagination.ts';
import type { ServerScope } from '../management/scope.ts';
import { bit } from '../management/view-helpers.ts';
import {
  HTTP_ENDPOINT_DEFAULTS,
  httpEndpointView,
  type CreateHttpEndpointInput,
  type HttpEndpointView,
  type UpdateHttpEndpointInput,
} from './endpoint-schemas.ts';
import { rejectRoutesUsing } from './routes.ts';
import { hostOf, redactUrl, requireAllowedTarget } from './target-schemas.ts';

export async function listHttpEndpoints(
  ctx: AppContext,
  scope: ServerScope,
  page: PageQuery,
): Promise<Page<HttpEndpointView>> {
  const { rows, next_cursor } = await paginate(
    ctx.db.selectFrom('http_endpoints').selectAll().where('server_id', '=', scope.server.id),
    'id',
    page,
  );
  return { data: rows.map(httpEndpointView), next_cursor };
}

export async function getHttpEndpoint(
  ctx: AppContext,
  scope: ServerScope,
  uuid: string,
): Promise<HttpEndpointView> {
  return httpEndpointView(await findHttpEndpoint(ctx.db, scope, uuid));
}

export async function createHttpEndpoint(
  ctx: AppContext,
  scope: ServerScope,
  input: CreateHttpEndpointInput,
): Promise<HttpEndpointView> {
  requireAllowedTarget(ctx.allowPrivateTargets, 'url', hostOf(input.url));
  const now = ctx.clock.now();
  const settings = { ...HTTP_ENDPOINT_DEFAULTS, ...input };
  return mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
    const uuid = ctx.ids.uuid();
    await trx
      .insertInto('http_endpoints')
      .values({
        uuid,
        server_id: scope.server.id,
        name: settings.name,
        url: settings.url,
        encoding: settings.encoding,
        format: settings.format,
        strip_replies: bit(settings.strip_replies),
        include_attachments: bit(settings.include_attachments),
        timeout_seconds: settings.timeout_seconds,
        last_used_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return {
      result: httpEndpointView(await findHttpEndpoint(trx, scope, uuid)),
      audit: {
        action: 'http_endpoint.create',
        resourceType: 'http_endpoint',
        resourceUuid: uuid,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: { ...settings, url: redactUrl(settings.url) },
      },
    };
  });
}

export async function updateHttpEndpoint(
  ctx: AppContext,
  scope: ServerScope,
  uuid: string,
  input: UpdateHttpEndpointInput,
): Promise<HttpEndpointView> {
  if (input.url !== undefined) requireAllowedTarget(ctx.allowPrivateTargets, 'url', hostOf(input.url));
  const now = ctx.clock.now();
  const { strip_replies, include_attachments, ...plain } = input;
  return mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
    const endpoint = await findHttpEndpoint(trx, scope, uuid);
    await trx
      .updateTable('http_endpoints')
      .set({
        ...plain,
        ...(strip_replies !== undefined ? { strip_replies: bit(strip_replies) } : {}),
        ...(include_attachments !== undefined ? { include_attachments: bit(include_attachments) } : {}),
        updated_at: now,
      })
      .where('id', '=', endpoint.id)
      .execute();
    return {
      result: httpEndpointView(await findHttpEndpoint(trx, scope, uuid)),
      audit: {
        action: 'http_endpoint.update',
        resourceType: 'http_endpoint',
        resourceUuid: uuid,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: { ...input, ...(input.url !== undefined ? { url: redactUrl(input.url) } : {}) },
      },
    };
  });
}

/** Routes delivering to the endpoint switch to Reject in the same transaction. */
export async function deleteHttpEndpoint(ctx: AppContext, scope: ServerScope, uuid: string): Promise<void> {
  const now = ctx.clock.now();
  await mutate(ctx, scope.actor, { affectsPolicy: true }, async (trx) => {
    const endpoint = await findHttpEndpoint(trx, scope, uuid);
    const rejected = await rejectRoutesUsing(trx, 'http', endpoint.id, now);
    await trx.deleteFrom('http_endpoints').where('id', '=', endpoint.id).execute();
    return {
      result: undefined,
      audit: {
        action: 'http_endpoint.delete',
        resourceType: 'http_endpoint',
        resourceUuid: uuid,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: { name: endpoint.name, rejected_routes: rejected },
      },
    };
  });
}

async function findHttpEndpoint(db: Db, scope: Pick<ServerScope, 'server'>, uuid: string) {
  const row = await db
    .selectFrom('http_endpoints')
    .selectAll()
    .where('server_id', '=', scope.server.id)
    .where('uuid', '=', uuid)
    .executeTakeFirst();
  if (!row) throw notFound('HTTP endpoint');
  return row;
}
