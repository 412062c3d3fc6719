import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/schema.ts';
import { deleteMessages } from './message-removal.ts';

// Deleting an organization or a server only marks it; this purges the data in bounded batches,
// so a server with millions of messages is removed over several runs without long locks.

const BATCH = 500;

type ServerTable = keyof Database &
  (
    | 'suppressions'
    | 'webhook_requests'
    | 'stats_hourly'
    | 'stats_daily'
    | 'live_stats'
    | 'credentials'
    | 'http_endpoints'
    | 'smtp_endpoints'
    | 'address_endpoints'
    | 'track_domains'
  );

const serverTables: readonly ServerTable[] = [
  'suppressions',
  'webhook_requests',
  'stats_hourly',
  'stats_daily',
  'live_stats',
  'credentials',
  'http_endpoints',
  'smtp_endpoints',
  'address_endpoints',
  'track_domains',
];

export interface PurgeReport {
  serversPurged: number;
  organizationsPurged: number;
  messagesDeleted: number;
  /** False when the time budget ran out with work left; the next run continues. */
  complete: boolean;
}

export async function purgeDeleted(ctx: AppContext, deadline: number): Promise<PurgeReport> {
  const report: PurgeReport = {
    serversPurged: 0,
    organizationsPurged: 0,
    messagesDeleted: 0,
    complete: true,
  };
  const servers = await ctx.db
    .selectFrom('servers')
    .select(['id', 'uuid'])
    .where('deleted_at', 'is not', null)
    .execute();
  for (const server of servers) {
    if (!(await purgeServer(ctx, server.id, deadline, report))) {
      report.complete = false;
      return report;
    }
    report.serversPurged += 1;
    ctx.logger.info('purged deleted server', { serverUuid: server.uuid });
  }
  const organizations = await ctx.db
    .selectFrom('organizations')
    .select(['id', 'uuid'])
    .where('deleted_at', 'is not', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('servers').select('id').whereRef('servers.organization_id', '=', 'organizations.id'),
        ),
      ),
    )
    .execute();
  for (const organization of organizations) {
    await ctx.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('domains').where('organization_id', '=', organization.id).execute();
      await trx.deleteFrom('ip_pool_rules').where('organization_id', '=', organization.id).execute();
      await trx.deleteFrom('organization_ip_pools').where('organization_id', '=', organization.id).execute();
      await trx.deleteFrom('organization_users').where('organization_id', '=', organization.id).execute();
      await trx.deleteFrom('organizations').where('id', '=', organization.id).execute();
    });
    report.organizationsPurged += 1;
    ctx.logger.info('purged deleted organization', { organizationUuid: organization.uuid });
  }
  return report;
}

/** Returns false when the deadline passed before the server was gone. */
async function purgeServer(
  ctx: AppContext,
  serverId: number,
  deadline: number,
  report: PurgeReport,
): Promise<boolean> {
  for (;;) {
    // A turn of the event loop between batches, for what shares it (the local runtime's sessions).
    await nextTurn();
    if (ctx.clock.now() >= deadline) return false;
    const messages = await ctx.db
      .selectFrom('messages')
      .select(['id', 'raw_key'])
      .where('server_id', '=', serverId)
      .limit(BATCH)
      .execute();
    if (messages.length === 0) break;
    await deleteMessages(ctx, serverId, messages);
    report.messagesDeleted += messages.length;
  }
  await ctx.db.transaction().execute(async (trx) => {
    for (const table of serverTables) {
      await trx.deleteFrom(table).where('server_id', '=', serverId).execute();
    }
    const routeIds = trx.selectFrom('routes').select('id').where('server_id', '=', serverId);
    await trx.deleteFrom('route_endpoints').where('route_id', 'in', routeIds).execute();
    await trx.deleteFrom('routes').where('server_id', '=', serverId).execute();
    const webhookIds = trx.selectFrom('webhooks').select('id').where('server_id', '=', serverId);
    await trx.deleteFrom('webhook_events').where('webhook_id', 'in', webhookIds).execute();
    await trx.deleteFrom('webhooks').where('server_id', '=', serverId).execute();
    await trx.deleteFrom('domains').where('server_id', '=', serverId).execute();
    await trx.deleteFrom('ip_pool_rules').where('server_id', '=', serverId).execute();
    await trx.deleteFrom('servers').where('id', '=', serverId).execute();
  });
  return true;
}
