import type { AppContext } from '../context.ts';
import type { Db } from '../db/database.ts';
import type { Row } from '../db/schema.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { bit } from '../management/view-helpers.ts';
import { DeclaredIpPools } from './ip-pool-schemas.ts';

export interface IpPoolSyncReport {
  created: string[];
  /** Declared pools whose addresses or default flag changed. */
  updated: string[];
  /**
   * Pools in the database the deployment no longer declares: kept, since servers and rules may still
   * name them, but no longer attached to new organizations.
   */
  undeclared: string[];
}

type AddressColumns = Pick<Row<'ip_addresses'>, 'ipv4' | 'ipv6' | 'hostname' | 'priority'>;

// Addresses compare as a set: declaring them in another order changes nothing.
const addressKey = (addresses: readonly AddressColumns[]): string =>
  JSON.stringify(addresses.map((a) => [a.ipv4, a.ipv6, a.hostname, a.priority]).sort());

/**
 * Makes the database's pools match the deployment's declaration, at deploy or start: pools are
 * matched by name, their addresses replaced when they differ. Running it again with the same
 * declaration changes nothing (and writes no audit entry).
 */
export async function syncIpPools(ctx: AppContext, declaration: DeclaredIpPools): Promise<IpPoolSyncReport> {
  const declared = DeclaredIpPools.parse(declaration);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('ip_pools').selectAll().execute();
    const report: IpPoolSyncReport = { created: [], updated: [], undeclared: [] };
    for (const pool of declared) {
      const addresses = pool.addresses.map((a) => ({
        ipv4: a.ipv4 ?? null,
        ipv6: a.ipv6 ?? null,
        hostname: a.hostname,
        priority: a.priority,
      }));
      const row = existing.find((candidate) => candidate.name === pool.name);
      if (!row) {
        const uuid = ctx.ids.uuid();
        await trx
          .insertInto('ip_pools')
          .values({ uuid, name: pool.name, is_default: bit(pool.default), created_at: now, updated_at: now })
          .execute();
        const created = await trx
          .selectFrom('ip_pools')
          .select('id')
          .where('uuid', '=', uuid)
          .executeTakeFirstOrThrow();
        await insertAddresses(trx, created.id, addresses, now);
        report.created.push(pool.name);
        continue;
      }
      const current = await trx
        .selectFrom('ip_addresses')
        .selectAll()
        .where('ip_pool_id', '=', row.id)
        .execute();
      const sameAddresses = addressKey(current) === addressKey(addresses);
      if (sameAddresses && row.is_default === bit(pool.default)) continue;
      if (!sameAddresses) {
        await trx.deleteFrom('ip_addresses').where('ip_pool_id', '=', row.id).execute();
        await insertAddresses(trx, row.id, addresses, now);
      }
      await trx
        .updateTable('ip_pools')
        .set({ is_default: bit(pool.default), updated_at: now })
        .where('id', '=', row.id)
        .execute();
      report.updated.push(pool.name);
    }
    let demoted = false;
    for (const row of existing) {
      if (declared.some((pool) => pool.name === row.name)) continue;
      report.undeclared.push(row.name);
      if (row.is_default === 0) continue;
      await trx
        .updateTable('ip_pools')
        .set({ is_default: 0, updated_at: now })
        .where('id', '=', row.id)
        .execute();
      demoted = true;
    }
    // Through recordAudit rather than mutate: a start that changes nothing leaves no entry.
    if (report.created.length > 0 || report.updated.length > 0 || demoted) {
      await recordAudit(trx, ctx, null, {
        action: 'ip_pool.sync',
        resourceType: 'ip_pool',
        resourceUuid: null,
        organizationId: null,
        serverId: null,
        changes: { ...report },
      });
    }
    return report;
  });
}

async function insertAddresses(
  trx: Db,
  poolId: number,
  addresses: readonly AddressColumns[],
  now: number,
): Promise<void> {
  await trx
    .insertInto('ip_addresses')
    .values(addresses.map((address) => ({ ...address, ip_pool_id: poolId, created_at: now })))
    .execute();
}
