import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import type { Db } from '../db/database.ts';
import type { Row } from '../db/schema.ts';
import { PosternError, conflict, invalid } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { paginate, type Page, type PageQuery } from '../management/pagination.ts';
import { permalinkFrom, uniquePermalink } from '../management/permalink.ts';
import { requireAdmin, resolveOrganization, resolveServer } from '../management/scope.ts';
import { bit } from '../management/view-helpers.ts';
import type { SuspendInput } from '../organizations/organization-schemas.ts';
import {
  ADMIN_ONLY_SERVER_FIELDS,
  RESERVED_SERVER_PERMALINKS,
  SERVER_DEFAULTS,
  serverView,
  type CreateServerInput,
  type ServerView,
  type UpdateServerInput,
} from './server-schemas.ts';

export async function listServers(
  ctx: AppContext,
  actor: Actor,
  organizationPermalink: string,
  page: PageQuery,
): Promise<Page<ServerView>> {
  const { organization } = await resolveOrganization(ctx, actor, organizationPermalink);
  const { rows, next_cursor } = await paginate(
    ctx.db
      .selectFrom('servers')
      .leftJoin('ip_pools', 'ip_pools.id', 'servers.ip_pool_id')
      .selectAll('servers')
      .select('ip_pools.uuid as ip_pool_uuid')
      .where('servers.organization_id', '=', organization.id)
      .where('servers.deleted_at', 'is', null),
    'servers.id',
    page,
  );
  const organizationSuspended = organization.suspended_at !== null;
  return {
    data: rows.map((row) => serverView(row, { organizationSuspended, ipPoolUuid: row.ip_pool_uuid })),
    next_cursor,
  };
}

export async function getServer(
  ctx: AppContext,
  actor: Actor,
  org: string,
  server: string,
): Promise<ServerView> {
  const scope = await resolveServer(ctx, actor, org, server);
  return viewOf(ctx.db, scope.server.id, scope.organization);
}

function assertAllowedFields(actor: Actor, input: Record<string, unknown>): void {
  if (actor.admin) return;
  const fields = ADMIN_ONLY_SERVER_FIELDS.filter((field) => input[field] !== undefined);
  if (fields.length > 0) {
    throw new PosternError('forbidden', `only administrators may set ${fields.join(', ')}`, {
      details: fields.map((field) => ({ field, message: 'only administrators may set this field' })),
    });
  }
}

async function poolId(
  trx: Db,
  organizationId: number,
  uuid: string | null | undefined,
): Promise<number | null> {
  if (uuid === null || uuid === undefined) return null;
  const pool = await trx
    .selectFrom('ip_pools')
    .innerJoin('organization_ip_pools', 'organization_ip_pools.ip_pool_id', 'ip_pools.id')
    .select('ip_pools.id')
    .where('ip_pools.uuid', '=', uuid)
    .where('organization_ip_pools.organization_id', '=', organizationId)
    .executeTakeFirst();
  if (!pool) throw invalid('ip_pool', 'this IP pool is not assigned to the organization');
  return pool.id;
}

async function defaultPoolId(trx: Db, organizationId: number): Promise<number | null> {
  const pool = await trx
    .selectFrom('ip_pools')
    .innerJoin('organization_ip_pools', 'organization_ip_pools.ip_pool_id', 'ip_pools.id')
    .select('ip_pools.id')
    .where('organization_ip_pools.organization_id', '=', organizationId)
    .orderBy('ip_pools.is_default', 'desc')
    .orderBy('ip_pools.id')
    .executeTakeFirst();
  return pool?.id ?? null;
}

async function uniqueToken(ctx: AppContext, trx: Db): Promise<string> {
  for (;;) {
    const token = ctx.ids.token(6, { lower: true });
    const taken = await trx.selectFrom('servers').select('id').where('token', '=', token).executeTakeFirst();
    if (!taken) return token;
  }
}

async function choosePermalink(trx: Db, organizationId: number, input: CreateServerInput): Promise<string> {
  const existing = await trx
    .selectFrom('servers')
    .select(['permalink', 'name'])
    .where('organization_id', '=', organizationId)
    .where('deleted_at', 'is', null)
    .execute();
  if (existing.some((server) => server.name === input.name)) {
    throw conflict('name', 'a server with this name exists in the organization');
  }
  const taken = await trx
    .selectFrom('servers')
    .select('permalink')
    .where('organization_id', '=', organizationId)
    .execute();
  const permalinks = new Set(taken.map((row) => row.permalink));
  if (input.permalink) {
    if (permalinks.has(input.permalink)) throw conflict('permalink', 'this permalink is taken');
    return input.permalink;
  }
  return uniquePermalink(permalinkFrom(input.name), permalinks, RESERVED_SERVER_PERMALINKS);
}

export async function createServer(
  ctx: AppContext,
  actor: Actor,
  organizationPermalink: string,
  input: CreateServerInput,
): Promise<ServerView> {
  const { organization } = await resolveOrganization(ctx, actor, organizationPermalink);
  assertAllowedFields(actor, input);
  const now = ctx.clock.now();
  return mutate(ctx, actor, { affectsPolicy: true }, async (trx) => {
    const permalink = await choosePermalink(trx, organization.id, input);
    const uuid = ctx.ids.uuid();
    await trx
      .insertInto('servers')
      .values({
        uuid,
        organization_id: organization.id,
        name: input.name,
        permalink,
        mode: input.mode ?? SERVER_DEFAULTS.mode,
        ip_pool_id:
          input.ip_pool === undefined
            ? await defaultPoolId(trx, organization.id)
            : await poolId(trx, organization.id, input.ip_pool),
        token: await uniqueToken(ctx, trx),
        send_limit: input.send_limit ?? null,
        message_retention_days: input.message_retention_days ?? SERVER_DEFAULTS.message_retention_days,
        raw_message_retention_days:
          input.raw_message_retention_days ?? SERVER_DEFAULTS.raw_message_retention_days,
        raw_message_retention_size:
          input.raw_message_retention_size ?? SERVER_DEFAULTS.raw_message_retention_size,
        allow_sender: bit(input.allow_sender ?? false),
        spam_threshold: input.spam_threshold ?? SERVER_DEFAULTS.spam_threshold,
        spam_failure_threshold: input.spam_failure_threshold ?? SERVER_DEFAULTS.spam_failure_threshold,
        outbound_spam_threshold: input.outbound_spam_threshold ?? null,
        postmaster_address: input.postmaster_address ?? null,
        log_smtp_data: bit(input.log_smtp_data ?? false),
        privacy_mode: bit(input.privacy_mode ?? false),
        suspended_at: null,
        suspension_reason: null,
        send_limit_approaching_at: null,
        send_limit_approaching_notified_at: null,
        send_limit_exceeded_at: null,
        send_limit_exceeded_notified_at: null,
        deleted_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const server = await trx
      .selectFrom('servers')
      .select('id')
      .where('uuid', '=', uuid)
      .executeTakeFirstOrThrow();
    return {
      result: await viewOf(trx, server.id, organization),
      audit: {
        action: 'server.create',
        resourceType: 'server',
        resourceUuid: uuid,
        organizationId: organization.id,
        serverId: server.id,
        changes: { ...input, permalink },
      },
    };
  });
}

export async function updateServer(
  ctx: AppContext,
  actor: Actor,
  org: string,
  serverPermalink: string,
  input: UpdateServerInput,
): Promise<ServerView> {
  const { organization, server } = await resolveServer(ctx, actor, org, serverPermalink);
  assertAllowedFields(actor, input);
  const { ip_pool, allow_sender, privacy_mode, log_smtp_data, ...plain } = input;
  return changeServer(ctx, actor, organization, server, 'server.update', input, async (trx) => ({
    ...plain,
    ...(ip_pool !== undefined ? { ip_pool_id: await poolId(trx, organization.id, ip_pool) } : {}),
    ...(allow_sender !== undefined ? { allow_sender: bit(allow_sender) } : {}),
    ...(privacy_mode !== undefined ? { privacy_mode: bit(privacy_mode) } : {}),
    ...(log_smtp_data !== undefined ? { log_smtp_data: bit(log_smtp_data) } : {}),
  }));
}

export async function suspendServer(
  ctx: AppContext,
  actor: Actor,
  org: string,
  serverPermalink: string,
  input: SuspendInput | null,
): Promise<ServerView> {
  const { organization, server } = await resolveServer(ctx, actor, org, serverPermalink);
  requireAdmin(actor);
  const changes = input
    ? { suspended_at: ctx.clock.now(), suspension_reason: input.reason }
    : { suspended_at: null, suspension_reason: null };
  return changeServer(
    ctx,
    actor,
    organization,
    server,
    input ? 'server.suspend' : 'server.unsuspend',
    changes,
    async () => changes,
  );
}

export async function deleteServer(
  ctx: AppContext,
  actor: Actor,
  org: string,
  serverPermalink: string,
): Promise<void> {
  const { organization, server } = await resolveServer(ctx, actor, org, serverPermalink);
  const now = ctx.clock.now();
  // A soft delete: the server vanishes at once (and from the policy snapshot); the scheduler purges its data.
  await mutate(ctx, actor, { affectsPolicy: true }, async (trx) => {
    await trx
      .updateTable('servers')
      .set({ deleted_at: now, updated_at: now })
      .where('id', '=', server.id)
      .execute();
    return {
      result: undefined,
      audit: {
        action: 'server.delete',
        resourceType: 'server',
        resourceUuid: server.uuid,
        organizationId: organization.id,
        serverId: server.id,
      },
    };
  });
}

async function changeServer(
  ctx: AppContext,
  actor: Actor,
  organization: Row<'organizations'>,
  server: Row<'servers'>,
  action: string,
  auditChanges: Record<string, unknown>,
  columns: (trx: Db) => Promise<Partial<Row<'servers'>>>,
): Promise<ServerView> {
  return mutate(ctx, actor, { affectsPolicy: true }, async (trx) => {
    const set = await columns(trx);
    if (set.name !== undefined && set.name !== server.name) {
      const clash = await trx
        .selectFrom('servers')
        .select('id')
        .where('organization_id', '=', organization.id)
        .where('name', '=', set.name)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (clash) throw conflict('name', 'a server with this name exists in the organization');
    }
    await trx
      .updateTable('servers')
      .set({ ...set, updated_at: ctx.clock.now() })
      .where('id', '=', server.id)
      .execute();
    return {
      result: await viewOf(trx, server.id, organization),
      audit: {
        action,
        resourceType: 'server',
        resourceUuid: server.uuid,
        organizationId: organization.id,
        serverId: server.id,
        changes: auditChanges,
      },
    };
  });
}

async function viewOf(db: Db, serverId: number, organization: Row<'organizations'>): Promise<ServerView> {
  const row = await db
    .selectFrom('servers')
    .leftJoin('ip_pools', 'ip_pools.id', 'servers.ip_pool_id')
    .selectAll('servers')
    .select('ip_pools.uuid as ip_pool_uuid')
    .where('servers.id', '=', serverId)
    .executeTakeFirstOrThrow();
  return serverView(row, {
    organizationSuspended: organization.suspended_at !== null,
    ipPoolUuid: row.ip_pool_uuid,
  });
}
