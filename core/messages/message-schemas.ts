import { z } from 'zod';
import type { Row } from '../db/schema.ts';
import { IsoTime, bool, isoTime, isoTimeOrNull } from '../management/view-helpers.ts';

export const MessageStatusSchema = z.enum([
  'Pending',
  'Sent',
  'SoftFail',
  'HardFail',
  'Held',
  'Bounced',
  'Processed',
  'HoldCancelled',
  'Error',
]);

export const MessageView = z.object({
  id: z.number(),
  token: z.string(),
  direction: z.enum(['incoming', 'outgoing']),
  rcpt_to: z.string(),
  mail_from: z.string(),
  subject: z.string().nullable(),
  message_id: z.string().nullable(),
  tag: z.string().nullable(),
  status: MessageStatusSchema,
  held: z.boolean(),
  hold_expiry: IsoTime.nullable(),
  attempts: z.number(),
  bounce: z.boolean(),
  bounce_for_id: z.number().nullable(),
  size: z.number().nullable(),
  /** False once retention has removed the raw message (Postal's "Raw Message: Removed"). */
  raw_message_available: z.boolean(),
  received_with_ssl: z.boolean(),
  timestamp: IsoTime,
  last_delivery_attempt: IsoTime.nullable(),
});
export type MessageView = z.infer<typeof MessageView>;

export const DeliveryView = z.object({
  status: MessageStatusSchema,
  details: z.string().nullable(),
  output: z.string().nullable(),
  sent_with_ssl: z.boolean(),
  attempt: z.number().nullable(),
  timestamp: IsoTime,
  duration_ms: z.number().nullable(),
});

export const MessageDetailView = MessageView.extend({ deliveries: z.array(DeliveryView) });

/** Which messages a list or a bulk action covers; every field narrows. */
export const MessageFilter = z
  .object({
    direction: z.enum(['incoming', 'outgoing']).optional(),
    status: MessageStatusSchema.optional(),
    // A query string says "true"; a JSON body may say true.
    held: z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]).optional(),
    to: z.string().max(255).optional(),
    from: z.string().max(255).optional(),
    tag: z.string().max(255).optional(),
    before: IsoTime.optional(),
    after: IsoTime.optional(),
  })
  .strict();
export type MessageFilter = z.infer<typeof MessageFilter>;

export const BulkActionResult = z.object({ matched: z.number(), changed: z.number() });

export function messageView(row: Row<'messages'>): MessageView {
  return {
    id: row.id,
    token: row.token,
    direction: row.scope,
    rcpt_to: row.rcpt_to,
    mail_from: row.mail_from,
    subject: row.subject,
    message_id: row.message_id,
    tag: row.tag,
    status: row.status,
    held: bool(row.held),
    hold_expiry: isoTimeOrNull(row.hold_expiry),
    attempts: row.attempt,
    bounce: bool(row.bounce),
    bounce_for_id: row.bounce_for_id,
    size: row.size,
    raw_message_available: row.raw_key !== null,
    received_with_ssl: bool(row.received_with_ssl),
    timestamp: isoTime(row.timestamp),
    last_delivery_attempt: isoTimeOrNull(row.last_delivery_attempt),
  };
}

export function deliveryView(row: Row<'deliveries'>): z.infer<typeof DeliveryView> {
  return {
    status: row.status,
    details: row.details,
    output: row.output,
    sent_with_ssl: bool(row.sent_with_ssl),
    attempt: row.attempt,
    timestamp: isoTime(row.timestamp),
    duration_ms: row.duration_ms,
  };
}
