import { z } from 'zod';
import type { Row } from '../db/schema.ts';
import { Name } from '../management/common-schemas.ts';
import { IsoTime, Uuid, bool, isoTime, isoTimeOrNull } from '../management/view-helpers.ts';
import { TargetUrl } from '../routing/target-schemas.ts';
import { SELECTABLE_WEBHOOK_EVENTS, SelectableWebhookEvent } from './webhook-events.ts';

export const WebhookView = z.object({
  uuid: Uuid,
  name: z.string(),
  url: z.string(),
  enabled: z.boolean(),
  /** Every event, including those no webhook can select (the send-limit events). */
  all_events: z.boolean(),
  /** The events subscribed to when all_events is false; empty otherwise. */
  events: z.array(SelectableWebhookEvent),
  last_used_at: IsoTime.nullable(),
  created_at: IsoTime,
  updated_at: IsoTime,
});
export type WebhookView = z.infer<typeof WebhookView>;

const Events = z.array(SelectableWebhookEvent).max(SELECTABLE_WEBHOOK_EVENTS.length * 2);

export const CreateWebhookInput = z
  .object({
    name: Name,
    url: TargetUrl,
    enabled: z.boolean().default(true),
    all_events: z.boolean().default(true),
    events: Events.default([]),
  })
  .strict();
export type CreateWebhookInput = z.infer<typeof CreateWebhookInput>;

export const UpdateWebhookInput = z
  .object({ name: Name, url: TargetUrl, enabled: z.boolean(), all_events: z.boolean(), events: Events })
  .partial()
  .strict();
export type UpdateWebhookInput = z.infer<typeof UpdateWebhookInput>;

/** Events in the order of the selectable list, each once. */
export const orderEvents = (events: readonly string[]): SelectableWebhookEvent[] =>
  SELECTABLE_WEBHOOK_EVENTS.filter((event) => events.includes(event));

export function webhookView(row: Row<'webhooks'>, events: readonly string[]): WebhookView {
  return {
    uuid: row.uuid,
    name: row.name,
    url: row.url,
    enabled: bool(row.enabled),
    all_events: bool(row.all_events),
    events: orderEvents(events),
    last_used_at: isoTimeOrNull(row.last_used_at),
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}
