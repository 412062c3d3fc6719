import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSEvent } from 'aws-lambda';
import type { AppContext } from '../../core/context.ts';
import { DatabaseQueue } from '../../core/local/database-queue.ts';
import type { QueueMessage } from '../../core/ports.ts';
import { WEBHOOK_QUEUE } from '../../core/webhooks/webhook-job.ts';
import { localQueueArn } from '../../bin/local/queue-pollers.ts';

// Webhook test fixtures: the "webhooks" queue (declared here until the topology has it), rows
// written directly, and a real HTTP receiver on loopback that keeps the exact bytes it got.

export const WEBHOOK_QUEUE_SETTINGS = { name: WEBHOOK_QUEUE, visibilityTimeoutSeconds: 180, maxReceives: 40 };

/** Gives the context a database queue that declares "webhooks" and its dead-letter queue. */
export function useWebhookQueue(ctx: AppContext): DatabaseQueue {
  const queue = new DatabaseQueue({
    db: ctx.db,
    dialect: ctx.dialect,
    clock: ctx.clock,
    queues: [
      { ...WEBHOOK_QUEUE_SETTINGS, deadLetterQueue: `${WEBHOOK_QUEUE}-dlq` },
      { name: `${WEBHOOK_QUEUE}-dlq`, visibilityTimeoutSeconds: 30, maxReceives: 1_000_000 },
    ],
  });
  ctx.queue = queue;
  return queue;
}

/** The records Lambda's SQS event source hands a function for these messages of queue "webhooks". */
export function sqsEvent(messages: readonly QueueMessage[]): SQSEvent {
  return {
    Records: messages.map((message) => ({
      messageId: message.id,
      receiptHandle: message.receiptHandle,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: String(message.sentAt),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(message.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: localQueueArn(WEBHOOK_QUEUE),
      awsRegion: 'local',
    })),
  };
}

/** An organization and a server, returning the server's id. */
export async function insertServer(ctx: AppContext, permalink: string): Promise<number> {
  const now = ctx.clock.now();
  await ctx.db
    .insertInto('organizations')
    .values({
      uuid: ctx.ids.uuid(),
      name: permalink,
      permalink,
      time_zone: 'UTC',
      owner_id: null,
      suspended_at: null,
      suspension_reason: null,
      deleted_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  const organization = await ctx.db
    .selectFrom('organizations')
    .select('id')
    .where('permalink', '=', permalink)
    .executeTakeFirstOrThrow();
  await ctx.db
    .insertInto('servers')
    .values({
      uuid: ctx.ids.uuid(),
      organization_id: organization.id,
      name: 'Main',
      permalink: 'main',
      mode: 'Live',
      ip_pool_id: null,
      token: ctx.ids.token(6, { lower: true }),
      send_limit: null,
      message_retention_days: null,
      raw_message_retention_days: null,
      raw_message_retention_size: null,
      allow_sender: 0,
      spam_threshold: 5,
      spam_failure_threshold: 20,
      outbound_spam_threshold: null,
      postmaster_address: null,
      log_smtp_data: 0,
      privacy_mode: 0,
      suspended_at: null,
      suspension_reason: null,
      send_limit_approaching_at: null,
      send_limit_approaching_notified_at: null,
      send_limit_exceeded_at: null,
      send_limit_exceeded_notified_at: null,
      deleted_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  const server = await ctx.db
    .selectFrom('servers')
    .select('id')
    .where('organization_id', '=', organization.id)
    .executeTakeFirstOrThrow();
  return server.id;
}

export interface WebhookFixture {
  url: string;
  enabled?: boolean;
  allEvents?: boolean;
  events?: string[];
}

/** A webhook row (and its events), returning its id. */
export async function insertWebhook(
  ctx: AppContext,
  serverId: number,
  fixture: WebhookFixture,
): Promise<number> {
  const now = ctx.clock.now();
  const uuid = ctx.ids.uuid();
  await ctx.db
    .insertInto('webhooks')
    .values({
      uuid,
      server_id: serverId,
      name: 'hook',
      url: fixture.url,
      enabled: fixture.enabled === false ? 0 : 1,
      all_events: fixture.allEvents === false ? 0 : 1,
      last_used_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  const { id } = await ctx.db
    .selectFrom('webhooks')
    .select('id')
    .where('uuid', '=', uuid)
    .executeTakeFirstOrThrow();
  const events = fixture.events ?? [];
  if (events.length > 0) {
    await ctx.db
      .insertInto('webhook_events')
      .values(events.map((event) => ({ webhook_id: id, event })))
      .execute();
  }
  return id;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The bytes as they arrived. */
  body: Buffer;
}

/** What the receiver does with a request: answer it, or never answer. */
export type Reply = { status: number; body?: string } | 'hang';

export interface Receiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Replies to the next requests, in order; the last one repeats. */
  reply(...replies: Reply[]): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let replies: Reply[] = [{ status: 200, body: 'ok' }];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks),
      });
      const reply = replies.length > 1 ? replies.shift() : replies[0];
      if (reply === undefined || reply === 'hang') return;
      response.writeHead(reply.status, { 'content-type': 'text/plain' });
      response.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    requests,
    reply(...next) {
      replies = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
