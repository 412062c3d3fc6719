import { createHash } from 'node:crypto';
import type { AppContext } from '../context.ts';
import type { MessageStatus, Row } from '../db/schema.ts';
import type { BatchMemo } from './batch-memo.ts';
import { queueWebhookEvent } from '../webhooks/queue-webhook-event.ts';
import { bouncedPayload, deliveryEvent, deliveryPayload } from '../webhooks/webhook-payloads.ts';

// Message events for webhooks. Their uuids are derived from what happened (message, attempt,
// event), not drawn at random, so when a stage runs twice the repeat carries the same uuid and
// receivers can drop it.

export interface DeliveryEventInput {
  status: MessageStatus;
  details: string;
  output?: string | null;
  secure?: boolean;
  /** The attempt the delivery ends; absent for holds, which are named after the attempt they wait for. */
  attempt?: number;
  timestamp?: number;
  durationMs?: number | null;
}

/** A name-based uuid (RFC 9562 version 8 layout) from a SHA-256 of `name`. */
export function eventUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Tells the server's webhooks of a delivery (MessageSent, MessageDelayed, MessageDeliveryFailed,
 * MessageHeld). `message` may be the row as it was before this delivery: the payload reads only
 * what a delivery does not change.
 */
export async function emitMessageEvent(
  ctx: AppContext,
  message: Row<'messages'>,
  delivery: DeliveryEventInput,
  memo?: BatchMemo,
): Promise<void> {
  const event = deliveryEvent(delivery.status);
  if (!event) return;
  const timestamp = delivery.timestamp ?? ctx.clock.now();
  const payload = deliveryPayload(message, {
    status: delivery.status,
    details: delivery.details,
    output: delivery.output ?? null,
    sent_with_ssl: delivery.secure ? 1 : 0,
    timestamp,
    duration_ms: delivery.durationMs ?? null,
  });
  const attempt = delivery.attempt ?? `hold-${message.attempt + 1}`;
  await queueWebhookEvent(
    ctx,
    message.server_id,
    event,
    payload,
    eventUuid(`${message.id}:${attempt}:${event}`),
    memo,
  );
}

/** MessageBounced for `original`, from the rows the bounce stage already holds. */
export async function emitBounceEvent(
  ctx: AppContext,
  original: Row<'messages'>,
  bounce: Row<'messages'>,
  memo?: BatchMemo,
): Promise<void> {
  await queueWebhookEvent(
    ctx,
    original.server_id,
    'MessageBounced',
    bouncedPayload(original, bounce),
    eventUuid(`${original.id}:bounce:${bounce.id}`),
    memo,
  );
}
