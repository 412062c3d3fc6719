import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import type { Db } from '../db/database.ts';
import type { Row } from '../db/schema.ts';
import { invalid, notFound } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { paginate, type Page, type PageQuery } from '../management/pagination.ts';
import { requireAdmin, resolveOrganization, type OrganizationScope } from '../management/scope.ts';
import { ipPoolView, type AssignIpPoolsInput, type IpPoolView } from './ip-pool-schemas.ts';

// Pools are declared by the deployment (ip-pool-sync.ts), never created through the API:
// administrators only choose which organizations may use them.

export async function listIpPools(ctx: AppContext, actor: Actor, page: PageQuery): Promise<Page<IpPoolView>> {
  requireAdmin(actor);
  const { rows, next_cursor } = await paginate(ctx.db.selectFrom('ip_pools').selectAll(), 'id', page);
  return { data: await withAddresses(ctx.db, rows), next_cursor };
}

export async function getIpPool(ctx: AppContext, actor: Actor, uuid: string): Promise<IpPoolView> {
  requireAdmin(actor);
  const pool = await ctx.db.selectFrom('ip_pools').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  if (!pool) throw notFound('IP pool');
  const addresses = await ctx.db
    .selectFrom('ip_addresses')
    .selectAll()
    .where('ip_pool_id', '=', pool.id)
    .orderBy('id')
    .execute();
  return ipPoolView(pool, addresses);
}

/** The pools an organization's servers and rules may use; visible to its members. */
export async function listOrganizationIpPools(
  ctx: AppContext,
  scope: OrganizationScope,
): Promise<IpPoolView[]> {
  return withAddresses(ctx.db, await assignedPools(ctx.db, scope.organization.id));
}

/**
 * Replaces the organization's pools. Servers using a pool that is taken away fall back to none, and
 * rules choosing it are removed, in the same transaction: nothing is left pointing at a pool the
 * organization may no longer use.
 */
export async function assignIpPools(
  ctx: AppContext,
  actor: Actor,
  permalink: string,
  input: AssignIpPoolsInput,
): Promise<IpPoolView[]> {
  requireAdmin(actor);
  const { organization } = await resolveOrganization(ctx, actor, permalink);
  return mutate(ctx, actor, { affectsPolicy: false }, async (trx) => {
    const pools = await poolsByUuid(trx, input.pools);
    const ids = pools.map((pool) => pool.id);
    await trx.deleteFrom('organization_ip_pools').where('organization_id', '=', organization.id).execute();
    if (ids.length > 0) {
      await trx
        .insertInto('organization_ip_pools')
        .values(ids.map((id) => ({ organization_id: organization.id, ip_pool_id: id })))
        .execute();
    }
    let servers = trx
      .updateTable('servers')
      .set({ ip_pool_id: null, updated_at: ctx.clock.now() })
      .where('organization_id', '=', organization.id)
      .where('ip_pool_id', 'is not', null);
    let rules = trx.deleteFrom('ip_pool_rules').where('organization_id', '=', organization.id);
    if (ids.length > 0) {
      servers = servers.where('ip_pool_id', 'not in', ids);
      rules = rules.where('ip_pool_id', 'not in', ids);
    }
    const reset = await servers.executeTakeFirst();
    const removed = await rules.executeTakeFirst();
    return {
      result: await withAddresses(trx, await assignedPools(trx, organization.id)),
      audit: {
        action: 'organization.ip_pools.assign',
        resourceType: 'organization',
        resourceUuid: organization.uuid,
        organizationId: organization.id,
        serverId: null,
        changes: {
          pools: pools.map((pool) => pool.uuid),
          servers_reset: Number(reset.numUpdatedRows),
          rules_removed: Number(removed.numDeletedRows),
        },
      },
    };
  });
}

async function poolsByUuid(trx: Db, uuids: readonly string[]): Promise<Row<'ip_pools'>[]> {
  if (uuids.length === 0) return [];
  const pools = await trx.selectFrom('ip_pools').selectAll().where('uuid', 'in', uuids).execute();
  const missing = uuids.findIndex((uuid) => !pools.some((pool) => pool.uuid === uuid));
  if (missing >= 0) throw invalid(`pools.${missing}`, 'no IP pool has this uuid');
  return pools;
}

async function assignedPools(db: Db, organizationId: number): Promise<Row<'ip_pools'>[]> {
  return db
    .selectFrom('ip_pools')
    .innerJoin('organization_ip_pools', 'organization_ip_pools.ip_pool_id', 'ip_pools.id')
    .selectAll('ip_pools')
    .where('organization_ip_pools.organization_id', '=', organizationId)
    .orderBy('ip_pools.id')
    .execute();
}

async function withAddresses(db: Db, pools: readonly Row<'ip_pools'>[]): Promise<IpPoolView[]> {
  if (pools.length === 0) return [];
  const addresses = await db
    .selectFrom('ip_addresses')
    .selectAll()
    .where(
      'ip_pool_id',
      'in',
      pools.map((pool) => pool.id),
    )
    .orderBy('id')
    .execute();
  return pools.map((pool) =>
    ipPoolView(
      pool,
      addresses.filter((address) => address.ip_pool_id === pool.id),
    ),
  );
}
