import type { AppContext } from '../context.ts';
import { eventUuid } from '../messages/message-events.ts';
import { queueWebhookEvent } from '../webhooks/queue-webhook-event.ts';
import { sendLimitPayload, webhookServer } from '../webhooks/webhook-payloads.ts';
import { liveCount } from '../stats/message-stats.ts';

// Postal's every-minute task: a server that began approaching or exceeding its send limit in the
// last 3 minutes, and was not told so in the last hour, gets SendLimitApproaching/Exceeded.

const RECENT_MS = 3 * 60_000;
const QUIET_MS = 60 * 60_000;

export async function notifySendLimits(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  let sent = 0;
  for (const kind of ['approaching', 'exceeded'] as const) {
    const at = kind === 'approaching' ? 'send_limit_approaching_at' : 'send_limit_exceeded_at';
    const notified =
      kind === 'approaching' ? 'send_limit_approaching_notified_at' : 'send_limit_exceeded_notified_at';
    const servers = await ctx.db
      .selectFrom('servers')
      .innerJoin('organizations', 'organizations.id', 'servers.organization_id')
      .selectAll('servers')
      .select('organizations.permalink as organization_permalink')
      .where(`servers.${at}`, '>', now - RECENT_MS)
      .where((eb) =>
        eb.or([eb(`servers.${notified}`, 'is', null), eb(`servers.${notified}`, '<', now - QUIET_MS)]),
      )
      .where('servers.deleted_at', 'is', null)
      .execute();
    for (const server of servers) {
      if (server.send_limit === null) continue;
      const volume = await liveCount(ctx.db, server.id, 'outgoing', now);
      await queueWebhookEvent(
        ctx,
        server.id,
        kind === 'approaching' ? 'SendLimitApproaching' : 'SendLimitExceeded',
        sendLimitPayload(webhookServer(server, server.organization_permalink), volume, server.send_limit),
        eventUuid(`${server.id}:send-limit-${kind}:${server[at]}`),
      );
      await ctx.db
        .updateTable('servers')
        .set({ [notified]: now })
        .where('id', '=', server.id)
        .execute();
      sent += 1;
    }
  }
  return sent;
}
