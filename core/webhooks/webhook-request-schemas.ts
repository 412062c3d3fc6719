import { z } from 'zod';
import type { Row } from '../db/schema.ts';
import { IsoTime, Uuid, bool, isoTime } from '../management/view-helpers.ts';
import { WebhookEnvelope, WebhookEvent, WebhookPayload } from './webhook-job.ts';

export const WebhookRequestView = z.object({
  /** This attempt. */
  uuid: Uuid,
  /** The envelope's uuid, shared by every attempt and replay of one event. */
  event_uuid: z.string(),
  event: z.string(),
  /** Where it was sent, without any basic-auth password. */
  url: z.string(),
  attempt: z.number().int(),
  /** The HTTP status, or -1 timed out, -2 connection error, -3 TLS error. */
  status_code: z.number().int().nullable(),
  /** Why there was no HTTP answer. */
  error: z.string().nullable(),
  will_retry: z.boolean(),
  timestamp: IsoTime,
});
export type WebhookRequestView = z.infer<typeof WebhookRequestView>;

export const WebhookRequestDetail = WebhookRequestView.extend({
  /** The event's payload, as sent inside the envelope. */
  payload: WebhookPayload.nullable(),
  /** The first kilobyte of the receiver's answer. */
  response_body: z.string().nullable(),
});
export type WebhookRequestDetail = z.infer<typeof WebhookRequestDetail>;

/** What replay and test answer: the event queued, delivered and logged like any other. */
export const QueuedWebhookEventView = z.object({ event_uuid: Uuid, event: WebhookEvent });
export type QueuedWebhookEventView = z.infer<typeof QueuedWebhookEventView>;

export const TestWebhookInput = z.object({ event: WebhookEvent.default('MessageSent') }).strict();
export type TestWebhookInput = z.infer<typeof TestWebhookInput>;

export type WebhookRequestSummaryRow = Omit<Row<'webhook_requests'>, 'payload' | 'response_body'>;

export function webhookRequestView(row: WebhookRequestSummaryRow): WebhookRequestView {
  return {
    uuid: row.uuid,
    event_uuid: row.event_uuid,
    event: row.event,
    url: row.url,
    attempt: row.attempt,
    status_code: row.status_code,
    error: row.error,
    will_retry: bool(row.will_retry),
    timestamp: isoTime(row.timestamp),
  };
}

/** The envelope stored with an attempt; null if the row holds something else. */
export function storedEnvelope(row: Pick<Row<'webhook_requests'>, 'payload'>): WebhookEnvelope | null {
  try {
    const parsed = WebhookEnvelope.safeParse(JSON.parse(row.payload));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function webhookRequestDetail(row: Row<'webhook_requests'>): WebhookRequestDetail {
  return {
    ...webhookRequestView(row),
    payload: storedEnvelope(row)?.payload ?? null,
    response_body: row.response_body,
  };
}
