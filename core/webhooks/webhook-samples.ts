import type { MessageStatus } from '../db/schema.ts';
import {
  bouncedPayload,
  deliveryPayload,
  domainDnsErrorPayload,
  linkClickedPayload,
  loadedPayload,
  sendLimitPayload,
  webhookServer,
  type MessageFields,
  type ServerFields,
} from './webhook-payloads.ts';
import type { WebhookEvent, WebhookPayload } from './webhook-job.ts';

// Made-up payloads for a test event, built by the same functions as real ones so that a
// receiver tested with them handles the real events too. Only the server is real.

function sampleMessage(now: number, overrides: Partial<MessageFields> = {}): MessageFields {
  return {
    id: 12345,
    token: 'sampletoken1',
    scope: 'outgoing',
    message_id: 'sample-message@example.com',
    rcpt_to: 'recipient@example.com',
    mail_from: 'sender@example.com',
    subject: 'Test webhook from Postern',
    timestamp: now - 1000,
    inspected: 0,
    spam: 0,
    tag: null,
    ...overrides,
  };
}

const SAMPLE_DELIVERIES: Partial<
  Record<WebhookEvent, { status: MessageStatus; details: string; output: string }>
> = {
  MessageSent: {
    status: 'Sent',
    details: 'Message for recipient@example.com accepted by mx.example.com (192.0.2.10)',
    output: '250 2.0.0 OK queued as sample',
  },
  MessageDelayed: {
    status: 'SoftFail',
    details: 'Temporary failure from mx.example.com (192.0.2.10); will retry',
    output: '451 4.7.1 Try again later',
  },
  MessageDeliveryFailed: {
    status: 'HardFail',
    details: 'Permanent failure from mx.example.com (192.0.2.10)',
    output: '550 5.1.1 No such user',
  },
  MessageHeld: { status: 'Held', details: 'Server is in development mode.', output: '' },
};

export function samplePayload(
  event: WebhookEvent,
  server: ServerFields,
  organizationPermalink: string,
  now: number,
): WebhookPayload {
  const message = sampleMessage(now);
  const owner = webhookServer(server, organizationPermalink);
  const delivery = SAMPLE_DELIVERIES[event];
  if (delivery) {
    return deliveryPayload(message, {
      ...delivery,
      sent_with_ssl: delivery.status === 'Sent' ? 1 : 0,
      timestamp: now,
      duration_ms: delivery.status === 'Held' ? null : 420,
    });
  }
  switch (event) {
    case 'MessageBounced':
      return bouncedPayload(
        message,
        sampleMessage(now, {
          id: 12346,
          token: 'sampletoken2',
          scope: 'incoming',
          message_id: 'sample-bounce@mx.example.com',
          rcpt_to: 'sender@example.com',
          mail_from: '',
          subject: 'Mail delivery failed',
        }),
      );
    case 'MessageLinkClicked':
      return linkClickedPayload(message, {
        url: 'https://example.com/welcome',
        token: 'samplelink',
        ip_address: '192.0.2.20',
        user_agent: 'Mozilla/5.0 (sample)',
      });
    case 'MessageLoaded':
      return loadedPayload(message, { ip_address: '192.0.2.20', user_agent: 'Mozilla/5.0 (sample)' });
    case 'DomainDNSError':
      return domainDnsErrorPayload(owner, {
        name: 'example.com',
        uuid: '00000000-0000-4000-8000-000000000000',
        dns_checked_at: now,
        spf_status: 'Missing',
        spf_error: 'No SPF record exists for this domain',
        dkim_status: 'OK',
        dkim_error: null,
        mx_status: 'OK',
        mx_error: null,
        return_path_status: 'OK',
        return_path_error: null,
      });
    default:
      return sendLimitPayload(owner, event === 'SendLimitExceeded' ? 1000 : 900, 1000);
  }
}
