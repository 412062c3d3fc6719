import type { AppContext } from '../context.ts';
import type { NewRow } from '../db/schema.ts';
import { headerValues, parseHeaderBlock } from '../mail/header-block.ts';
import { storedMessageId, storedSubject } from './raw-headers.ts';
import { acceptedPointerKey } from './accept-message.ts';
import { hourBucket, incrementStats } from '../stats/message-stats.ts';
import type { AcceptedMessage } from './accepted-message.ts';
import { PROCESS_QUEUE, processJob } from './process-job.ts';

// The ingest stage: turns accepted envelopes into one message row per recipient, then hands
// each to the process stage. Rows are keyed by the ids leased at acceptance, so a second run
// inserts nothing and counts nothing; the process jobs are sent again, and the process stage
// ignores a job for an attempt already handled. A batch of envelopes is written in one
// transaction, its counters and credentials updated once.

export async function ingestAccepted(
  ctx: AppContext,
  envelope: AcceptedMessage,
): Promise<{ inserted: number }> {
  const [result] = await ingestAcceptedBatch(ctx, [envelope]);
  return result ?? { inserted: 0 };
}

/** Ingests the envelopes of one batch; each result says how many of its rows were new. */
export async function ingestAcceptedBatch(
  ctx: AppContext,
  envelopes: readonly AcceptedMessage[],
): Promise<{ inserted: number }[]> {
  const routeDomains = await routeDomainIds(
    ctx,
    envelopes.flatMap((envelope) =>
      envelope.recipients.flatMap((r) => (r.routeId === null ? [] : [r.routeId])),
    ),
  );
  const batch = await Promise.all(
    envelopes.map(async (envelope) => ({ envelope, rows: await rowsOf(ctx, envelope, routeDomains) })),
  );

  const inserted = await ctx.db.transaction().execute(async (trx) => {
    const counts: number[] = [];
    const stats = new Map<string, { serverId: number; at: number; outgoing: number; incoming: number }>();
    const credentials = new Map<number, number>();
    for (const { envelope, rows } of batch) {
      const result = await trx.insertInto('messages').ignore().values(rows).executeTakeFirst();
      const count = Number(result.numInsertedOrUpdatedRows ?? 0);
      counts.push(count);
      // Rows of one envelope are inserted together or not at all, so `count` is all or nothing.
      if (count === 0) continue;
      const outgoing = rows.filter((row) => row.scope === 'outgoing').length;
      const bucket = `${envelope.serverId}:${hourBucket(envelope.acceptedAt)}`;
      const counted = stats.get(bucket) ?? {
        serverId: envelope.serverId,
        at: envelope.acceptedAt,
        outgoing: 0,
        incoming: 0,
      };
      counted.outgoing += outgoing;
      counted.incoming += rows.length - outgoing;
      stats.set(bucket, counted);
      if (envelope.credentialId !== null) {
        credentials.set(
          envelope.credentialId,
          Math.max(credentials.get(envelope.credentialId) ?? 0, envelope.acceptedAt),
        );
      }
    }
    // The accepting process never touches the database, so the credentials' use is noted here.
    // Rows are updated in one order in every batch, so two batches never wait on each other's locks.
    for (const [credentialId, usedAt] of [...credentials].sort(([a], [b]) => a - b)) {
      await trx
        .updateTable('credentials')
        .set({ last_used_at: usedAt })
        .where('id', '=', credentialId)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', usedAt)]))
        .execute();
    }
    const byRow = (a: { serverId: number; at: number }, b: { serverId: number; at: number }) =>
      a.serverId - b.serverId || a.at - b.at;
    for (const { serverId, at, outgoing, incoming } of [...stats.values()].sort(byRow)) {
      await incrementStats(trx, ctx.dialect, serverId, at, { outgoing, incoming });
    }
    return counts;
  });

  await ctx.queue.sendBatch(
    PROCESS_QUEUE,
    envelopes.flatMap((envelope) =>
      envelope.recipients.map((recipient) => JSON.stringify(processJob(recipient.messageId, 1))),
    ),
  );
  // Rows now answer for these ids; the pointers that answered before them can go.
  await Promise.all(
    envelopes.flatMap((envelope) =>
      envelope.recipients.map((recipient) => ctx.blobs.delete(acceptedPointerKey(recipient.messageId))),
    ),
  );
  return batch.map(({ envelope }, index) => {
    ctx.logger.info('message ingested', {
      messageIds: envelope.recipients.map((r) => r.messageId),
      serverId: envelope.serverId,
      inserted: inserted[index],
    });
    return { inserted: inserted[index] ?? 0 };
  });
}

async function rowsOf(
  ctx: AppContext,
  envelope: AcceptedMessage,
  routeDomains: ReadonlyMap<number, number | null>,
): Promise<NewRow<'messages'>[]> {
  const raw = await ctx.blobs.get(envelope.rawKey);
  const headers = raw && raw !== 'not-modified' ? parseHeaderBlock(raw.body) : [];
  if (!raw) ctx.logger.error('accepted message has no raw blob', { rawKey: envelope.rawKey });
  const subject = storedSubject(headers);
  const messageId = storedMessageId(headers);
  const tag = envelope.tag ?? headerValues(headers, 'x-postal-tag').at(-1)?.slice(0, 255) ?? null;
  return envelope.recipients.map((recipient) => ({
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
}

async function routeDomainIds(ctx: AppContext, routeIds: number[]): Promise<Map<number, number | null>> {
  if (routeIds.length === 0) return new Map();
  const routes = await ctx.db
    .selectFrom('routes')
    .select(['id', 'domain_id'])
    .where('id', 'in', [...new Set(routeIds)])
    .execute();
  return new Map(routes.map((route) => [route.id, route.domain_id]));
}
