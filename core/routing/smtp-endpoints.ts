import type { AppContext } from '../context.ts';
import type { Db } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { paginate, type Page, type PageQuery } from '../management/pagination.ts';
import type { ServerScope } from '../management/scope.ts';
import {
  SMTP_ENDPOINT_DEFAULTS,
  smtpEndpointView,
  type CreateSmtpEndpointInput,
  type SmtpEndpointView,
  type UpdateSmtpEndpointInput,
} from './endpoint-schemas.ts';
import { rejectRoutesUsing } from './routes.ts';
import { requireAllowedTarget } from './target-schemas.ts';

export async function listSmtpEndpoints(
  ctx: AppContext,
  scope: ServerScope,
  page: PageQuery,
): Promise<Page<SmtpEndpointView>> {
  const { rows, next_cursor } = await paginate(
    ctx.db.selectFrom('smtp_endpoints').selectAll().where('server_id', '=', scope.server.id),
    'id',
    page,
  );
  return { data: rows.map(smtpEndpointView), next_cursor };
}

export async function getSmtpEndpoint(
  ctx: AppContext,
  scope: ServerScope,
  uuid: string,
): Promise<SmtpEndpointView> {
  return smtpEndpointView(await findSmtpEndpoint(ctx.db, scope, uuid));
}

export async function createSmtpEndpoint(
  ctx: AppContext,
  scope: ServerScope,
  input: CreateSmtpEndpointInput,
): Promise<SmtpEndpointView> {
  requireAllowedTarget(ctx.allowPrivateTargets, 'hostname', input.hostname);
  const now = ctx.clock.now();
  const settings = { ...SMTP_ENDPOINT_DEFAULTS, ...input };
  return mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
    const uuid = ctx.ids.uuid();
    await trx
      .insertInto('smtp_endpoints')
      .values({
        uuid,
        server_id: scope.server.id,
        name: settings.name,
        hostname: settings.hostname,
        port: settings.port,
        ssl_mode: settings.ssl_mode,
        last_used_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return {
      result: smtpEndpointView(await findSmtpEndpoint(trx, scope, uuid)),
      audit: {
        action: 'smtp_endpoint.create',
        resourceType: 'smtp_endpoint',
        resourceUuid: uuid,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: settings,
      },
    };
  });
}

export async function updateSmtpEndpoint(
  ctx: AppContext,
  scope: ServerScope,
  uuid: string,
  input: UpdateSmtpEndpointInput,
): Promise<SmtpEndpointView> {
  if (input.hostname !== undefined) requireAllowedTarget(ctx.allowPrivateTargets, 'hostname', input.hostname);
  const now = ctx.clock.now();
  return mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
    const endpoint = await findSmtpEndpoint(trx, scope, uuid);
    await trx
      .updateTable('smtp_endpoints')
      .set({ ...input, updated_at: now })
      .where('id', '=', endpoint.id)
      .execute();
    return {
      result: smtpEndpointView(await findSmtpEndpoint(trx, scope, uuid)),
      audit: {
        action: 'smtp_endpoint.update',
        resourceType: 'smtp_endpoint',
        resourceUuid: uuid,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: { ...input },
      },
    };
  });
}

/** Routes delivering to the endpoint switch to Reject in the same transaction. */
export async function deleteSmtpEndpoint(ctx: AppContext, scope: ServerScope, uuid: string): Promise<void> {
  const now = ctx.clock.now();
  await mutate(ctx, scope.actor, { affectsPolicy: true }, async (trx) => {
    const endpoint = await findSmtpEndpoint(trx, scope, uuid);
    const rejected = await rejectRoutesUsing(trx, 'smtp', endpoint.id, now);
    await trx.deleteFrom('smtp_endpoints').where('id', '=', endpoint.id).execute();
    return {
      result: undefined,
      audit: {
        action: 'smtp_endpoint.delete',
        resourceType: 'smtp_endpoint',
        resourceUuid: uuid,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: { name: endpoint.name, rejected_routes: rejected },
      },
    };
  });
}

async function findSmtpEndpoint(db: Db, scope: Pick<ServerScope, 'server'>, uuid: string) {
  const row = await db
    .selectFrom('smtp_endpoints')
    .selectAll()
    .where('server_id', '=', scope.server.id)
    .where('uuid', '=', uuid)
    .executeTakeFirst();
  if (!row) throw notFound('SMTP endpoint');
  return row;
}
