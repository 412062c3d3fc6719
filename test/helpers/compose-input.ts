import { apiMessageId, apiReceivedHeader, type ComposeInput } from '../../core/messages/build-message.ts';

/** 2026-11-25 12:30:05 UTC, the time of every composed test message. */
export const COMPOSED_AT = Date.UTC(2026, 10, 25, 12, 30, 5);

/** A send/message to compose: one To, a From, a subject and a plain body, unless `extra` says otherwise. */
export const composeInput = (extra: Partial<ComposeInput> = {}): ComposeInput => ({
  to: ['John <john@example.net>'],
  cc: [],
  from: 'App <app@example.com>',
  sender: null,
  subject: 'Hello',
  replyTo: null,
  plainBody: 'Plain',
  htmlBody: null,
  headers: [],
  attachments: [],
  received: apiReceivedHeader({
    clientIp: '203.0.113.9',
    hostname: 'postern.test',
    privacy: false,
    now: COMPOSED_AT,
  }),
  messageId: apiMessageId('0c5e1c74-4b1d-4f0e-9a51-3d1f8f0e2a11', 'rp.postern.test'),
  date: COMPOSED_AT,
  ...extra,
});
