import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import type { Db } from '../db/database.ts';
import { conflict, invalid } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { paginate, type Page, type PageQuery } from '../management/pagination.ts';
import { permalinkFrom, uniquePermalink } from '../management/permalink.ts';
import { requireAdmin, resolveOrganization } from '../management/scope.ts';
import {
  RESERVED_ORGANIZATION_PERMALINKS,
  organizationView,
  type CreateOrganizationInput,
  type OrganizationView,
  type SuspendInput,
  type UpdateOrganizationInput,
} from './organization-schemas.ts';

export async function listOrganizations(
  ctx: AppContext,
  actor: Actor,
  page: PageQuery,
): Promise<Page<OrganizationView>> {
  let query = ctx.db.selectFrom('organizations').selectAll('organizations').where('deleted_at', 'is', null);
  if (!actor.admin) {
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('organization_users').select('organization_id').where('user_id', '=', actor.userId),
    );
  }
  const { rows, next_cursor } = await paginate(query, 'organizations.id', page);
  return { data: rows.map(organizationView), next_cursor };
}

export async function getOrganization(
  ctx: AppContext,
  actor: Actor,
  permalink: string,
): Promise<OrganizationView> {
  return organizationView((await resolveOrganization(ctx, actor, permalink)).organization);
}

export async function createOrganization(
  ctx: AppContext,
  actor: Actor,
  input: CreateOrganizationInput,
): Promise<OrganizationView> {
  requireAdmin(actor);
  const now = ctx.clock.now();
  return mutate(ctx, actor, { affectsPolicy: false }, async (trx) => {
    const ownerEmail = input.owner_email ?? actor.email;
    const owner = ownerEmail
      ? await trx.selectFrom('users').select('id').where('email', '=', ownerEmail).executeTakeFirst()
      : undefined;
    if (input.owner_email && !owner) throw invalid('owner_email', 'no user has this email address');
    const permalink = await choosePermalink(trx, input);
    const uuid = ctx.ids.uuid();
    await trx
      .insertInto('organizations')
      .values({
        uuid,
        name: input.name,
        permalink,
        time_zone: input.time_zone,
        owner_id: owner?.id ?? null,
        suspended_at: null,
        suspension_reason: null,
        deleted_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const organization = await trx
      .selectFrom('organizations')
      .selectAll()
      .where('uuid', '=', uuid)
      .executeTakeFirstOrThrow();
    if (owner) {
      await trx
        .insertInto('organization_users')
        .values({ organization_id: organization.id, user_id: owner.id, role: 'admin', created_at: now })
        .execute();
    }
    // New organizations get the deployment's default pools, as Postal attaches its default pool.
    const defaults = await trx.selectFrom('ip_pools').select('id').where('is_default', '=', 1).execute();
    if (defaults.length > 0) {
      await trx
        .insertInto('organization_ip_pools')
        .values(defaults.map((pool) => ({ organization_id: organization.id, ip_pool_id: pool.id })))
        .execute();
    }
    return {
      result: organizationView(organization),
      audit: {
        action: 'organization.create',
        resourceType: 'organization',
        resourceUuid: uuid,
        organizationId: organization.id,
        serverId: null,
        changes: { ...input, permalink },
      },
    };
  });
}

async function choosePermalink(trx: Db, input: CreateOrganizationInput): Promise<string> {
  if (input.permalink) {
    const taken = await trx
      .selectFrom('organizations')
      .select('id')
      .where('permalink', '=', input.permalink)
      .executeTakeFirst();
    if (taken) throw conflict('permalink', 'this permalink is taken');
    return input.permalink;
  }
  const base = permalinkFrom(input.name);
  const taken = await trx
    .selectFrom('organizations')
    .select('permalink')
    .where((eb) => eb.or([eb('permalink', '=', base), eb('permalink', 'like', `${base}-%`)]))
    .execute();
  return uniquePermalink(base, new Set(taken.map((row) => row.permalink)), RESERVED_ORGANIZATION_PERMALINKS);
}

export async function updateOrganization(
  ctx: AppContext,
  actor: Actor,
  permalink: string,
  input: UpdateOrganizationInput,
): Promise<OrganizationView> {
  const { organization } = await resolveOrganization(ctx, actor, permalink);
  return changeOrganization(
    ctx,
    actor,
    organization.id,
    'organization.update',
    { affectsPolicy: false },
    input,
  );
}

export async function deleteOrganization(ctx: AppContext, actor: Actor, permalink: string): Promise<void> {
  const { organization } = await resolveOrganization(ctx, actor, permalink);
  requireAdmin(actor);
  const now = ctx.clock.now();
  // A soft delete: the organization and its servers vanish at once; the scheduler purges their data.
  await mutate(ctx, actor, { affectsPolicy: true }, async (trx) => {
    await trx
      .updateTable('servers')
      .set({ deleted_at: now, updated_at: now })
      .where('organization_id', '=', organization.id)
      .where('deleted_at', 'is', null)
      .execute();
    await trx
      .updateTable('organizations')
      .set({ deleted_at: now, updated_at: now })
      .where('id', '=', organization.id)
      .execute();
    return {
      result: undefined,
      audit: {
        action: 'organization.delete',
        resourceType: 'organization',
        resourceUuid: organization.uuid,
        organizationId: organization.id,
        serverId: null,
      },
    };
  });
}

export async function suspendOrganization(
  ctx: AppContext,
  actor: Actor,
  permalink: string,
  input: SuspendInput | null,
): Promise<OrganizationView> {
  const { organization } = await resolveOrganization(ctx, actor, permalink);
  requireAdmin(actor);
  const now = ctx.clock.now();
  return changeOrganization(
    ctx,
    actor,
    organization.id,
    input ? 'organization.suspend' : 'organization.unsuspend',
    { affectsPolicy: true },
    input
      ? { suspended_at: now, suspension_reason: input.reason }
      : { suspended_at: null, suspension_reason: null },
  );
}

async function changeOrganization(
  ctx: AppContext,
  actor: Actor,
  organizationId: number,
  action: string,
  options: { affectsPolicy: boolean },
  changes: UpdateOrganizationInput & { suspended_at?: number | null; suspension_reason?: string | null },
): Promise<OrganizationView> {
  return mutate(ctx, actor, options, async (trx) => {
    await trx
      .updateTable('organizations')
      .set({ ...changes, updated_at: ctx.clock.now() })
      .where('id', '=', organizationId)
      .execute();
    const organization = await trx
      .selectFrom('organizations')
      .selectAll()
      .where('id', '=', organizationId)
      .executeTakeFirstOrThrow();
    return {
      result: organizationView(organization),
      audit: {
        action,
        resourceType: 'organization',
        resourceUuid: organization.uuid,
        organizationId,
        serverId: null,
        changes,
      },
    };
  });
}
