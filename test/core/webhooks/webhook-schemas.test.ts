import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateWebhookInput,
  UpdateWebhookInput,
  orderEvents,
} from '../../../core/webhooks/webhook-schemas.ts';

describe('webhook inputs', () => {
  it('defaults to an enabled webhook for all events', () => {
    assert.deepEqual(CreateWebhookInput.parse({ name: 'app', url: 'https://example.com/hook' }), {
      name: 'app',
      url: 'https://example.com/hook',
      enabled: true,
      all_events: true,
      events: [],
    });
  });

  it('names an unknown event by its position', () => {
    const parsed = UpdateWebhookInput.safeParse({ events: ['MessageSent', 'MessageOpened'] });
    assert.equal(parsed.success, false);
    assert.deepEqual(parsed.error?.issues[0]?.path, ['events', 1]);
  });

  it('does not take the send-limit events, which only all-events webhooks receive', () => {
    assert.equal(UpdateWebhookInput.safeParse({ events: ['SendLimitExceeded'] }).success, false);
  });

  it('orders events as the selectable list and keeps each once', () => {
    assert.deepEqual(orderEvents(['MessageLoaded', 'MessageSent', 'MessageLoaded']), [
      'MessageSent',
      'MessageLoaded',
    ]);
  });
});
