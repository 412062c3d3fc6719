import type { AppContext } from '../context.ts';
import type { NewRow } from '../db/schema.ts';
import { headerValues, parseHeaderBlock } from '../mail/header-block.ts';
import { storedMessageId, storedSubject } from './raw-headers.ts';
import { acceptedPointerKey } from './accept-message.ts';
import { incrementStats } from '../stats/message-stats.ts';
import type { AcceptedMessage } from './accepted-message.ts';
import { PROCESS_QUEUE, processJob } from './process-job.ts';

// The ingest stage: turns an accepted envelope into one message row per recipient, then hands
// each to the process stage. Rows are keyed by the ids leased at acceptance, so a second run
// inserts nothing and counts nothing; the process jobs are sent again, and the process stage
// ignores a job for an attempt already handled.

export async function ingestAccepted(
  ctx: AppContext,
  envelope: AcceptedMessage,
): Promise<{ inserted: number }> {
  const raw = await ctx.blobs.get(envelope.rawKey);
  const headers = raw && raw !== 'not-modified' ? parseHeaderBlock(raw.body) : [];
  if (!raw) ctx.logger.error('accepted message has no raw blob', { rawKey: envelope.rawKey });
  const subject = storedSubject(headers);
  const messageId = storedMessageId(headers);
  const tag = envelope.tag ?? headerValues(headers, 'x-postal-tag').at(-1)?.slice(0, 255) ?? null;
  const routeDomains = await routeDomainIds(
    ctx,
    envelope.recipients.flatMap((r) => (r.routeId === null ? [] : [r.routeId])),
  );

  const rows: NewRow<'messages'>[] = envelope.recipients.map((recipient) => ({
    id: recipient.messageId,
    server_id: envelope.serverId,
    token: recipient.token,
    scope: recipient.kind === 'outgoing' ? 'outgoing' : 'incoming',
    rcpt_to: recipient.address.slice(0, 255),
    mail_from: envelope.mailFrom.slice(0, 255),
    subject,
    message_id: messageId,
    timestamp: envelope.acceptedAt,
    route_id: recipient.routeId,
    domain_id:
      recipient.kind === 'outgoing'
        ? envelope.senderDomainId
        : recipient.routeId === null
          ? null
          : (routeDomains.get(recipient.routeId) ?? null),
    credential_id: envelope.credentialId,
    endpoint_type: null,
    endpoint_id: null,
    status: 'Pending',
    held: 0,
    hold_expiry: null,
    size: envelope.size,
    raw_key: raw ? envelope.rawKey : null,
    last_delivery_attempt: null,
    inspected: 0,
    spam: 0,
    spam_score: 0,
    threat: 0,
    threat_details: null,
    bounce: recipient.kind === 'bounce' || envelope.bounce ? 1 : 0,
    bounce_for_id: null,
    tag,
    loaded_at: null,
    clicked_at: null,
    received_with_ssl: envelope.tls ? 1 : 0,
    attempt: 0,
    tracked_links: 0,
    tracked_images: 0,
    parsed: 0,
  }));

  const inserted = await ctx.db.transaction().execute(async (trx) => {
    const result = await trx.insertInto('messages').ignore().values(rows).executeTakeFirst();
    const count = Number(result.numInsertedOrUpdatedRows ?? 0);
    // Rows of one envelope are inserted together or not at all, so `count` is all or nothing.
    if (count > 0 && envelope.credentialId !== null) {
      // The accepting process never touches the database, so the credential's use is noted here.
      await trx
        .updateTable('credentials')
        .set({ last_used_at: envelope.acceptedAt })
        .where('id', '=', envelope.credentialId)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', envelope.acceptedAt)]))
        .execute();
    }
    if (count > 0) {
      const outgoing = rows.filter((row) => row.scope === 'outgoing').length;
      await incrementStats(trx, ctx.dialect, envelope.serverId, envelope.acceptedAt, {
        outgoing,
        incoming: rows.length - outgoing,
      });
    }
    return count;
  });

  await ctx.queue.sendBatch(
    PROCESS_QUEUE,
    envelope.recipients.map((recipient) => JSON.stringify(processJob(recipient.messageId, 1))),
  );
  // Rows now answer for these ids; the pointers that answered before them can go.
  await Promise.all(
    envelope.recipients.map((recipient) => ctx.blobs.delete(acceptedPointerKey(recipient.messageId))),
  );
  ctx.logger.info('message ingested', {
    messageIds: envelope.recipients.map((r) => r.messageId),
    serverId: envelope.serverId,
    inserted,
  });
  return { inserted };
}

async function routeDomainIds(ctx: AppContext, routeIds: number[]): Promise<Map<number, number | null>> {
  if (routeIds.length === 0) return new Map();
  const routes = await ctx.db
    .selectFrom('routes')
    .select(['id', 'domain_id'])
    .where('id', 'in', routeIds)
    .execute();
  return new Map(routes.map((route) => [route.id, route.domain_id]));
}
