import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  bouncedPayload,
  deliveryEvent,
  deliveryPayload,
  domainDnsErrorPayload,
  linkClickedPayload,
  loadedPayload,
  sendLimitPayload,
  webhookMessage,
  webhookServer,
  type MessageFields,
} from '../../../core/webhooks/webhook-payloads.ts';

// Field lists as Postal builds them: Message#webhook_hash, Delivery#webhook_hash,
// Server#webhook_hash, HasDNSChecks#check_dns and the send-limit task (reference/postal.md §3.1).

const message: MessageFields = {
  id: 4321,
  token: 'Ab12Cd34Ef56',
  scope: 'outgoing',
  message_id: 'abc@example.com',
  rcpt_to: 'someone@example.org',
  mail_from: 'app@example.com',
  subject: 'Hello',
  timestamp: 1_764_072_000_123,
  inspected: 1,
  spam: 0,
  tag: 'welcome',
};

const server = webhookServer(
  { uuid: 'b1a7d7f0-5b7e-4d43-9d0b-2f6f0a8f4c11', name: 'Main', permalink: 'main' },
  'acme',
);

describe("Postal's webhook payloads", () => {
  it('builds the message object with epoch seconds and the spam status', () => {
    const built = webhookMessage(message);
    assert.deepEqual(Object.keys(built), [
      'id',
      'token',
      'direction',
      'message_id',
      'to',
      'from',
      'subject',
      'timestamp',
      'spam_status',
      'tag',
    ]);
    assert.deepEqual(built, {
      id: 4321,
      token: 'Ab12Cd34Ef56',
      direction: 'outgoing',
      message_id: 'abc@example.com',
      to: 'someone@example.org',
      from: 'app@example.com',
      subject: 'Hello',
      timestamp: 1_764_072_000.123,
      spam_status: 'NotSpam',
      tag: 'welcome',
    });
    assert.equal(webhookMessage({ ...message, inspected: 0, spam: 1 }).spam_status, 'NotChecked');
    assert.equal(webhookMessage({ ...message, spam: 1 }).spam_status, 'Spam');
  });

  it('names the event of each delivery status, and none for the others', () => {
    assert.equal(deliveryEvent('Sent'), 'MessageSent');
    assert.equal(deliveryEvent('SoftFail'), 'MessageDelayed');
    assert.equal(deliveryEvent('HardFail'), 'MessageDeliveryFailed');
    assert.equal(deliveryEvent('Held'), 'MessageHeld');
    for (const status of ['Bounced', 'Processed', 'HoldCancelled', 'Error', 'Pending'] as const) {
      assert.equal(deliveryEvent(status), null, status);
    }
  });

  it('builds delivery payloads with the output cut to 512 characters', () => {
    const delivery = {
      status: 'SoftFail' as const,
      details: 'Temporary failure',
      output: '451 '.padEnd(600, 'é'),
      sent_with_ssl: 1,
      timestamp: 1_764_072_060_500,
      duration_ms: 1234,
    };
    const payload = deliveryPayload(message, delivery);
    assert.deepEqual(Object.keys(payload), [
      'message',
      'status',
      'details',
      'output',
      'sent_with_ssl',
      'timestamp',
      'time',
    ]);
    assert.deepEqual(payload.message, webhookMessage(message));
    assert.equal(payload.status, 'SoftFail');
    assert.equal(payload.details, 'Temporary failure');
    assert.equal([...payload.output].length, 512);
    assert.ok(payload.output.endsWith('é...'));
    assert.equal(payload.sent_with_ssl, true);
    assert.equal(payload.timestamp, 1_764_072_060.5);
    assert.equal(payload.time, 1.23);
    const held = deliveryPayload(message, {
      ...delivery,
      status: 'Held',
      output: null,
      sent_with_ssl: 0,
      duration_ms: null,
    });
    assert.equal(held.output, '');
    assert.equal(held.sent_with_ssl, false);
    assert.equal(held.time, null);
    assert.equal(deliveryPayload(message, { ...delivery, output: 'x'.repeat(512) }).output, 'x'.repeat(512));
    assert.equal(
      deliveryPayload(message, { ...delivery, output: 'bad \ud800 text' }).output,
      'bad \ufffd text',
    );
  });

  it('builds MessageBounced from the original and the bounce', () => {
    const bounce = { ...message, id: 4322, scope: 'incoming' as const, mail_from: '' };
    assert.deepEqual(bouncedPayload(message, bounce), {
      original_message: webhookMessage(message),
      bounce: webhookMessage(bounce),
    });
  });

  it('builds the click and load events', () => {
    const seen = { ip_address: '198.51.100.7', user_agent: 'Mail/1.0' };
    assert.deepEqual(linkClickedPayload(message, { ...seen, url: 'https://example.com/a', token: 'lnk1' }), {
      message: webhookMessage(message),
      url: 'https://example.com/a',
      token: 'lnk1',
      ip_address: '198.51.100.7',
      user_agent: 'Mail/1.0',
    });
    assert.deepEqual(loadedPayload(message, seen), { message: webhookMessage(message), ...seen });
  });

  it('builds the server object and the send-limit events', () => {
    assert.deepEqual(server, {
      uuid: 'b1a7d7f0-5b7e-4d43-9d0b-2f6f0a8f4c11',
      name: 'Main',
      permalink: 'main',
      organization: 'acme',
    });
    assert.deepEqual(sendLimitPayload(server, 95, 100), { server, volume: 95, limit: 100 });
  });

  it('builds DomainDNSError with every check', () => {
    const payload = domainDnsErrorPayload(server, {
      name: 'example.com',
      uuid: 'e3b0c442-98fc-4c14-9afb-f4c8996fb924',
      dns_checked_at: 1_764_072_000_000,
      spf_status: 'Missing',
      spf_error: 'No SPF record exists for this domain',
      dkim_status: 'Invalid',
      dkim_error: 'The DKIM record does not match',
      mx_status: 'OK',
      mx_error: null,
      return_path_status: 'OK',
      return_path_error: null,
    });
    assert.deepEqual(payload, {
      server,
      domain: 'example.com',
      uuid: 'e3b0c442-98fc-4c14-9afb-f4c8996fb924',
      dns_checked_at: 1_764_072_000,
      spf_status: 'Missing',
      spf_error: 'No SPF record exists for this domain',
      dkim_status: 'Invalid',
      dkim_error: 'The DKIM record does not match',
      mx_status: 'OK',
      mx_error: null,
      return_path_status: 'OK',
      return_path_error: null,
    });
  });
});
