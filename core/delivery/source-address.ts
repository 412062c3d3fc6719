import type { Db } from '../db/database.ts';
import type { Row } from '../db/schema.ts';
import { choosePool } from '../ip-pools/choose-pool.ts';
import type { BatchMemo } from '../messages/batch-memo.ts';

// Which IP pool a message leaves from, and which of the pool's addresses: Postal's rules
// (server rules, then organization rules), else the server's pool, else the organization's
// default. An address of 0.0.0.0 or :: means "let the system choose" (the local default pool).

export interface SourceChoice {
  pool: string;
  /** The address's IPv4 and IPv6 halves; null where it has none or lets the system choose. */
  ipv4: string | null;
  ipv6: string | null;
  hostname: string;
}

const UNBOUND = new Set(['0.0.0.0', '::']);

export async function chooseSource(
  db: Db,
  server: Row<'servers'>,
  message: { from: readonly string[]; rcptTo: string },
  fallbackHostname: string,
  memo: BatchMemo,
): Promise<SourceChoice | null> {
  const rules = await memo.get(`ip-pool-rules:${server.id}`, () =>
    db
      .selectFrom('ip_pool_rules')
      .selectAll()
      .where('organization_id', '=', server.organization_id)
      .where((eb) => eb.or([eb('server_id', '=', server.id), eb('server_id', 'is', null)]))
      .execute(),
  );
  const poolId =
    choosePool(rules, message) ??
    server.ip_pool_id ??
    (await memo.get(`default-ip-pool:${server.organization_id}`, async () => {
      const fallback = await db
        .selectFrom('organization_ip_pools')
        .innerJoin('ip_pools', 'ip_pools.id', 'organization_ip_pools.ip_pool_id')
        .select('ip_pools.id')
        .where('organization_ip_pools.organization_id', '=', server.organization_id)
        .orderBy('ip_pools.is_default', 'desc')
        .orderBy('ip_pools.id')
        .executeTakeFirst();
      return fallback?.id ?? null;
    }));
  if (poolId === null) return null;
  const pool = await memo.get(`ip-pool:${poolId}`, async () => {
    const row = await db.selectFrom('ip_pools').select(['name']).where('id', '=', poolId).executeTakeFirst();
    if (!row) return null;
    const addresses = await db
      .selectFrom('ip_addresses')
      .selectAll()
      .where('ip_pool_id', '=', poolId)
      .execute();
    return { name: row.name, addresses };
  });
  if (!pool) return null;
  const address = pickWeighted(pool.addresses, Math.random);
  if (!address) return { pool: pool.name, ipv4: null, ipv6: null, hostname: fallbackHostname };
  const bound = (ip: string | null) => (ip && !UNBOUND.has(ip) ? ip : null);
  return {
    pool: pool.name,
    ipv4: bound(address.ipv4),
    ipv6: bound(address.ipv6),
    hostname: address.hostname,
  };
}

/**
 * Postal's weighted order: random × priority, highest wins. An address of higher priority wins
 * more often (100 against 50: three times in four), and one of priority 0 only when all are 0.
 */
export function pickWeighted<T extends { priority: number }>(
  items: readonly T[],
  random: () => number,
): T | undefined {
  let best: T | undefined;
  let bestScore = -1;
  for (const item of items) {
    const score = random() * item.priority;
    if (score > bestScore) {
      best = item;
      bestScore = score;
    }
  }
  return best;
}
