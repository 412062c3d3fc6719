import type { Db } from '../db/database.ts';
import type { Installation } from '../config.ts';
import { PolicySnapshot, type SnapshotServer } from './policy-snapshot.ts';

/** Reads everything the edge decides on, in one transaction so the snapshot is consistent. */
export async function buildSnapshot(
  db: Db,
  installation: Installation,
  now: number,
): Promise<PolicySnapshot> {
  return db.transaction().execute(async (trx) => {
    const state = await trx
      .selectFrom('policy_state')
      .select('version')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    const servers = await trx
      .selectFrom('servers')
      .innerJoin('organizations', 'organizations.id', 'servers.organization_id')
      .select([
        'servers.id',
        'servers.uuid',
        'servers.token',
        'servers.organization_id',
        'servers.permalink',
        'servers.mode',
        'servers.suspended_at',
        'servers.privacy_mode',
        'servers.allow_sender',
        'servers.log_smtp_data',
        'servers.send_limit',
        'organizations.permalink as organization_permalink',
        'organizations.suspended_at as organization_suspended_at',
      ])
      .where('servers.deleted_at', 'is', null)
      .where('organizations.deleted_at', 'is', null)
      .orderBy('servers.id')
      .execute();
    const domains = await trx
      .selectFrom('domains')
      .select(['id', 'name', 'organization_id', 'server_id', 'verified_at', 'use_for_any'])
      .where('verified_at', 'is not', null)
      .orderBy('id')
      .execute();
    const credentials = await trx
      .selectFrom('credentials')
      .select(['id', 'server_id', 'type', 'key_hash', 'network', 'hold'])
      .orderBy('id')
      .execute();
    const routes = await trx
      .selectFrom('routes')
      .leftJoin('domains', 'domains.id', 'routes.domain_id')
      .select([
        'routes.id',
        'routes.server_id',
        'routes.token',
        'routes.name',
        'routes.mode',
        'domains.name as domain',
      ])
      .orderBy('routes.id')
      .execute();

    const live = new Set(servers.map((server) => server.id));
    const snapshotServers: SnapshotServer[] = servers.map((server) => {
      const own = domains.filter((domain) => domain.server_id === server.id);
      const shared = domains.filter(
        (domain) => domain.server_id === null && domain.organization_id === server.organization_id,
      );
      return {
        id: server.id,
        uuid: server.uuid,
        token: server.token,
        organizationId: server.organization_id,
        organizationPermalink: server.organization_permalink,
        permalink: server.permalink,
        mode: server.mode,
        suspended: server.suspended_at !== null || server.organization_suspended_at !== null,
        privacyMode: server.privacy_mode === 1,
        allowSender: server.allow_sender === 1,
        logSmtpData: server.log_smtp_data === 1,
        sendLimit: server.send_limit,
        domains: [...own, ...shared].map((domain) => ({
          id: domain.id,
          name: domain.name,
          verified: domain.verified_at !== null,
          useForAny: domain.use_for_any === 1,
          organizationLevel: domain.server_id === null,
        })),
      };
    });

    return PolicySnapshot.parse({
      version: Number(state.version),
      generatedAt: now,
      returnPathDomain: installation.returnPathDomain,
      routeDomain: installation.routeDomain,
      hostname: installation.hostname,
      servers: snapshotServers,
      credentials: credentials
        .filter((c) => live.has(c.server_id) && c.type !== 'SMTP-IP' && c.key_hash !== null)
        .map((c) => ({
          id: c.id,
          serverId: c.server_id,
          type: c.type,
          keyHash: c.key_hash,
          hold: c.hold === 1,
        })),
      ipCredentials: credentials
        .filter((c) => live.has(c.server_id) && c.type === 'SMTP-IP' && c.network !== null)
        .map((c) => ({ id: c.id, serverId: c.server_id, network: c.network, hold: c.hold === 1 })),
      routes: routes
        .filter((route) => live.has(route.server_id))
        .map((route) => ({
          id: route.id,
          serverId: route.server_id,
          token: route.token,
          domain: route.domain,
          name: route.name,
          mode: route.mode,
        })),
    });
  });
}
