import { z } from 'zod';
import { SELECTABLE_WEBHOOK_EVENTS } from './webhook-events.ts';

// What queue "webhooks" carries: one event for one webhook. A retry is the same queue message
// made visible again later (ARCHITECTURE principle 6), so the job has no attempt number: the
// queue's receive count is the attempt.

export const WEBHOOK_QUEUE = 'webhooks';

/** Every event, the send-limit events included (only all-events webhooks receive those). */
export const WEBHOOK_EVENTS = [
  ...SELECTABLE_WEBHOOK_EVENTS,
  'SendLimitApproaching',
  'SendLimitExceeded',
] as const;
export const WebhookEvent = z.enum(WEBHOOK_EVENTS);
export type WebhookEvent = z.infer<typeof WebhookEvent>;

export const WebhookPayload = z.record(z.string(), z.unknown());
export type WebhookPayload = z.infer<typeof WebhookPayload>;

export const WebhookJob = z.object({
  version: z.literal(1),
  webhookId: z.number().int().positive(),
  serverId: z.number().int().positive(),
  /** The envelope's uuid: the same across retries and replays, for receivers' idempotency. */
  eventUuid: z.uuid(),
  event: WebhookEvent,
  /** When the event was queued, epoch seconds with a fraction, as Postal's envelope has it. */
  timestamp: z.number().nonnegative(),
  payload: WebhookPayload,
});
export type WebhookJob = z.infer<typeof WebhookJob>;

/** The job in a queue message body, or null when the body is not one (it is then dropped). */
export function parseWebhookJob(body: string): WebhookJob | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  const parsed = WebhookJob.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** The request body, in Postal's key order; these exact bytes are signed and sent. */
export function webhookEnvelope(
  job: Pick<WebhookJob, 'event' | 'timestamp' | 'payload' | 'eventUuid'>,
): string {
  return JSON.stringify({
    event: job.event,
    timestamp: job.timestamp,
    payload: job.payload,
    uuid: job.eventUuid,
  });
}

export const WebhookEnvelope = z.object({
  event: WebhookEvent,
  timestamp: z.number(),
  payload: WebhookPayload,
  uuid: z.string(),
});
export type WebhookEnvelope = z.infer<typeof WebhookEnvelope>;
