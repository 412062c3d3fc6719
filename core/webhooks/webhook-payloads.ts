import type { MessageStatus, Row } from '../db/schema.ts';
import { bool } from '../management/view-helpers.ts';
import type { WebhookEvent } from './webhook-job.ts';

// Postal's webhook payloads, field for field (reference/postal.md §3.1). Times are epoch seconds
// with a fraction, as Ruby's `to_f` gives them; ours are stored in milliseconds.

const seconds = (ms: number): number => ms / 1000;

export type MessageFields = Pick<
  Row<'messages'>,
  | 'id'
  | 'token'
  | 'scope'
  | 'message_id'
  | 'rcpt_to'
  | 'mail_from'
  | 'subject'
  | 'timestamp'
  | 'inspected'
  | 'spam'
  | 'tag'
>;

export type WebhookMessage = {
  id: number;
  token: string;
  direction: 'incoming' | 'outgoing';
  message_id: string | null;
  to: string;
  from: string;
  subject: string | null;
  timestamp: number;
  spam_status: 'NotChecked' | 'Spam' | 'NotSpam';
  tag: string | null;
};

/** The `message` object every message event carries. */
export function webhookMessage(message: MessageFields): WebhookMessage {
  return {
    id: message.id,
    token: message.token,
    direction: message.scope,
    message_id: message.message_id,
    to: message.rcpt_to,
    from: message.mail_from,
    subject: message.subject,
    timestamp: seconds(message.timestamp),
    spam_status: !bool(message.inspected) ? 'NotChecked' : bool(message.spam) ? 'Spam' : 'NotSpam',
    tag: message.tag,
  };
}

export type DeliveryFields = Pick<
  Row<'deliveries'>,
  'status' | 'details' | 'output' | 'sent_with_ssl' | 'timestamp' | 'duration_ms'
>;

export type DeliveryPayload = {
  message: WebhookMessage;
  status: MessageStatus;
  details: string | null;
  output: string;
  sent_with_ssl: boolean;
  timestamp: number;
  time: number | null;
};

const DELIVERY_EVENTS: Partial<Record<MessageStatus, WebhookEvent>> = {
  Sent: 'MessageSent',
  SoftFail: 'MessageDelayed',
  HardFail: 'MessageDeliveryFailed',
  Held: 'MessageHeld',
};

/** The event a delivery fires; Bounced, Processed, HoldCancelled and Error fire none, as in Postal. */
export const deliveryEvent = (status: MessageStatus): WebhookEvent | null => DELIVERY_EVENTS[status] ?? null;

const OUTPUT_LIMIT = 512;

/** ActiveSupport's `truncate(512)`: at most 512 characters, the last three "..." when cut. */
function truncate(text: string, limit: number): string {
  const characters = [...text];
  return characters.length <= limit ? text : `${characters.slice(0, limit - 3).join('')}...`;
}

/** MessageSent, MessageDelayed, MessageDeliveryFailed and MessageHeld. */
export function deliveryPayload(message: MessageFields, delivery: DeliveryFields): DeliveryPayload {
  return {
    message: webhookMessage(message),
    status: delivery.status,
    details: delivery.details,
    // Lone surrogates would not survive UTF-8; Postal scrubs invalid bytes the same way.
    output: truncate((delivery.output ?? '').toWellFormed(), OUTPUT_LIMIT),
    sent_with_ssl: bool(delivery.sent_with_ssl),
    timestamp: seconds(delivery.timestamp),
    // Postal rounds the duration of an attempt to hundredths of a second.
    time: delivery.duration_ms === null ? null : Math.round(delivery.duration_ms / 10) / 100,
  };
}

/** MessageBounced: the message that bounced and the bounce that came back for it. */
export function bouncedPayload(
  original: MessageFields,
  bounce: MessageFields,
): { original_message: WebhookMessage; bounce: WebhookMessage } {
  return { original_message: webhookMessage(original), bounce: webhookMessage(bounce) };
}

/** MessageLinkClicked, on every click of a tracked link. */
export function linkClickedPayload(
  message: MessageFields,
  click: { url: string; token: string; ip_address: string | null; user_agent: string | null },
) {
  return {
    message: webhookMessage(message),
    url: click.url,
    token: click.token,
    ip_address: click.ip_address,
    user_agent: click.user_agent,
  };
}

/** MessageLoaded, on every load of the tracking pixel. */
export function loadedPayload(
  message: MessageFields,
  load: { ip_address: string | null; user_agent: string | null },
) {
  return { message: webhookMessage(message), ip_address: load.ip_address, user_agent: load.user_agent };
}

export type ServerFields = Pick<Row<'servers'>, 'uuid' | 'name' | 'permalink'>;

export type WebhookServer = { uuid: string; name: string; permalink: string; organization: string | null };

/** The `server` object of the server-level events; `organization` is the organization's permalink. */
export function webhookServer(server: ServerFields, organizationPermalink: string | null): WebhookServer {
  return {
    uuid: server.uuid,
    name: server.name,
    permalink: server.permalink,
    organization: organizationPermalink,
  };
}

/** SendLimitApproaching and SendLimitExceeded: messages sent in the last hour against the limit. */
export function sendLimitPayload(
  server: WebhookServer,
  volume: number,
  limit: number,
): { server: WebhookServer; volume: number; limit: number } {
  return { server, volume, limit };
}

export type DomainFields = Pick<
  Row<'domains'>,
  | 'name'
  | 'uuid'
  | 'dns_checked_at'
  | 'spf_status'
  | 'spf_error'
  | 'dkim_status'
  | 'dkim_error'
  | 'mx_status'
  | 'mx_error'
  | 'return_path_status'
  | 'return_path_error'
>;

/**
 * DomainDNSError. Postal fires it only from the automatic check, and only for a domain of a
 * server (not of an organization); the caller decides that.
 */
export function domainDnsErrorPayload(server: WebhookServer, domain: DomainFields) {
  return {
    server,
    domain: domain.name,
    uuid: domain.uuid,
    // Postal's check sets the time before it fires; 0 stands for a check that never ran.
    dns_checked_at: seconds(domain.dns_checked_at ?? 0),
    spf_status: domain.spf_status,
    spf_error: domain.spf_error,
    dkim_status: domain.dkim_status,
    dkim_error: domain.dkim_error,
    mx_status: domain.mx_status,
    mx_error: domain.mx_error,
    return_path_status: domain.return_path_status,
    return_path_error: domain.return_path_error,
  };
}
