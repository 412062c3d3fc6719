import type { AppContext } from '../context.ts';
import { eventUuid } from '../messages/message-events.ts';
import { queueWebhookEvent } from '../webhooks/queue-webhook-event.ts';
import { domainDnsErrorPayload, webhookServer } from '../webhooks/webhook-payloads.ts';
import { dkimPublicKey } from './dkim-key.ts';
import { checkColumns, checkDomainRecords } from './domain-checks.ts';
import { dnsOk } from './dns-checks.ts';

// Postal's hourly task: domains checked before, and not in the last hour, are checked again;
// a server's domain whose records fail fires DomainDNSError. The scheduler runs every minute,
// so each run takes a few, and the work spreads over the hour.

const RECHECK_AFTER_MS = 60 * 60 * 1000;
const PER_RUN = 25;

export async function recheckDomains(ctx: AppContext, deadline: number): Promise<number> {
  const now = ctx.clock.now();
  const due = await ctx.db
    .selectFrom('domains')
    .selectAll()
    .where('dns_checked_at', 'is not', null)
    .where('dns_checked_at', '<', now - RECHECK_AFTER_MS)
    .orderBy('dns_checked_at')
    .limit(PER_RUN)
    .execute();
  let checked = 0;
  for (const domain of due) {
    if (ctx.clock.now() >= deadline) break;
    const publicKey = dkimPublicKey(await ctx.keys.decrypt(domain.dkim_private_key));
    const outcome = await checkDomainRecords(ctx.dns, ctx.installation, domain, publicKey);
    const checkedAt = ctx.clock.now();
    const statuses = checkColumns(outcome, checkedAt);
    await ctx.db.updateTable('domains').set(statuses).where('id', '=', domain.id).execute();
    checked += 1;
    const ok = dnsOk({
      spf: outcome.spf.status,
      dkim: outcome.dkim.status,
      mx: outcome.mx.status,
      returnPath: outcome.returnPath.status,
    });
    if (ok || domain.server_id === null) continue;
    const server = await ctx.db
      .selectFrom('servers')
      .innerJoin('organizations', 'organizations.id', 'servers.organization_id')
      .select([
        'servers.id',
        'servers.uuid',
        'servers.name',
        'servers.permalink',
        'organizations.permalink as organization',
      ])
      .where('servers.id', '=', domain.server_id)
      .executeTakeFirst();
    if (!server) continue;
    await queueWebhookEvent(
      ctx,
      server.id,
      'DomainDNSError',
      domainDnsErrorPayload(webhookServer(server, server.organization), { ...domain, ...statuses }),
      eventUuid(`${domain.id}:dns-error:${checkedAt}`),
    );
  }
  return checked;
}
