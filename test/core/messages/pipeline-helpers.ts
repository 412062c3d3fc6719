import type { AppContext } from '../../../core/context.ts';
import type { AcceptedMessage } from '../../../core/messages/accepted-message.ts';
import { acceptMessage, type AcceptMessageInput } from '../../../core/messages/accept-message.ts';
import { ProcessJob } from '../../../core/messages/process-job.ts';
import { DeliveryJob } from '../../../core/delivery/delivery-job.ts';
import type { DeliveryResult } from '../../../core/delivery/delivery-result.ts';

export const sampleMessage = (from = 'app@example.com', to = 'someone@remote.test') =>
  Buffer.from(
    [
      `From: App <${from}>`,
      `To: ${to}`,
      'Subject: Hello there',
      'Message-ID: <abc123@example.com>',
      'X-Postal-Tag: welcome',
      'Date: Wed, 25 Nov 2026 12:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Hi!',
      '',
    ].join('\r\n'),
  );

/**
 * Accepts a message as the send API does: raw blob, pointers and envelope made durable, with the
 * server's API credential and its domain example.com authorizing From.
 */
export async function acceptOutgoing(
  ctx: AppContext,
  serverId: number,
  options: { to?: string[]; raw?: Buffer } = {},
): Promise<AcceptedMessage> {
  const to = options.to ?? ['someone@remote.test'];
  const sender = await apiSender(ctx, serverId);
  return acceptAndTake(ctx, {
    raw: options.raw ?? sampleMessage('app@example.com', to.join(', ')),
    via: 'api',
    mailFrom: 'app@example.com',
    recipients: to.map((address) => ({ address, kind: 'outgoing' as const, serverId, routeId: null })),
    credential: { serverId, credentialId: sender.credentialId },
    senderDomainId: sender.domainId,
    tls: true,
    clientIp: '203.0.113.5',
    bounce: false,
    tag: null,
  });
}

/** A server fixture's API credential and its domain example.com, as the send API would use them. */
export async function apiSender(
  ctx: AppContext,
  serverId: number,
): Promise<{ credentialId: number; domainId: number }> {
  const domain = await ctx.db
    .selectFrom('domains')
    .select('id')
    .where('server_id', '=', serverId)
    .where('name', '=', 'example.com')
    .executeTakeFirstOrThrow();
  const credential = await ctx.db
    .selectFrom('credentials')
    .select('id')
    .where('server_id', '=', serverId)
    .where('type', '=', 'API')
    .executeTakeFirstOrThrow();
  return { credentialId: credential.id, domainId: domain.id };
}

/** Accepts mail arriving over SMTP for one recipient of a server (a route's, or a return path). */
export function acceptIncoming(
  ctx: AppContext,
  serverId: number,
  recipient: { address: string; kind: 'incoming' | 'bounce'; routeId: number | null },
  raw: Buffer,
  mailFrom = '',
): Promise<AcceptedMessage> {
  return acceptAndTake(ctx, {
    raw,
    via: 'smtp',
    mailFrom,
    recipients: [{ ...recipient, serverId }],
    credential: null,
    senderDomainId: null,
    tls: true,
    clientIp: '198.51.100.25',
    bounce: mailFrom === '',
    tag: null,
  });
}

/** Accepts, and takes the envelope off the ingest queue: tests call the stages themselves. */
async function acceptAndTake(ctx: AppContext, input: AcceptMessageInput): Promise<AcceptedMessage> {
  const accepted = await acceptMessage(ctx, input);
  await drain(ctx, 'ingest', (body) => body);
  const [envelope] = accepted.envelopes;
  if (!envelope) throw new Error('nothing accepted');
  return envelope;
}

/** Takes everything waiting on a queue, deleting it, and parses each body. */
export async function drain<T>(ctx: AppContext, queue: string, parse: (body: unknown) => T): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const batch = await ctx.queue.receive(queue, { max: 10 });
    if (batch.length === 0) return items;
    for (const message of batch) {
      items.push(parse(JSON.parse(message.body)));
      await ctx.queue.delete(queue, message.receiptHandle);
    }
  }
}

export const processJobs = (ctx: AppContext) => drain(ctx, 'process', (body) => ProcessJob.parse(body));
export const deliveryJobs = (ctx: AppContext, pool = 'default') =>
  drain(ctx, `deliver-${pool}`, (body) => DeliveryJob.parse(body));

export function result(
  job: Pick<DeliveryJob, 'messageId' | 'serverId' | 'attempt' | 'firstAttempt'>,
  status: DeliveryResult['status'],
  at: number,
  extra: Partial<DeliveryResult> = {},
): DeliveryResult {
  return {
    version: 1,
    messageId: job.messageId,
    serverId: job.serverId,
    attempt: job.attempt,
    firstAttempt: job.firstAttempt,
    status,
    details: `${status} by test`,
    output: status === 'Sent' ? '250 OK' : status === 'SoftFail' ? '451 try later' : '550 no such user',
    secure: true,
    retryAfterSeconds: null,
    remoteHost: 'mx.remote.test',
    durationMs: 120,
    logId: 'TESTLOG1',
    finishedAt: at,
    ...extra,
  };
}
