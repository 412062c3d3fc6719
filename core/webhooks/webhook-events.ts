import { z } from 'zod';

/**
 * The events a webhook may subscribe to (Postal's selectable list). SendLimitApproaching and
 * SendLimitExceeded are not among them: as in Postal, only all-events webhooks receive those.
 */
export const SELECTABLE_WEBHOOK_EVENTS = [
  'MessageSent',
  'MessageDelayed',
  'MessageDeliveryFailed',
  'MessageHeld',
  'MessageBounced',
  'MessageLinkClicked',
  'MessageLoaded',
  'DomainDNSError',
] as const;

export const SelectableWebhookEvent = z.enum(SELECTABLE_WEBHOOK_EVENTS);
export type SelectableWebhookEvent = z.infer<typeof SelectableWebhookEvent>;
