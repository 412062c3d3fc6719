import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { POSTAL_RETRY_MINUTES, retryDelaySeconds } from '../../../core/webhooks/deliver-webhook-job.ts';
import { parseWebhookJob, webhookEnvelope, type WebhookJob } from '../../../core/webhooks/webhook-job.ts';
import { samplePayload } from '../../../core/webhooks/webhook-samples.ts';
import { WEBHOOK_EVENTS } from '../../../core/webhooks/webhook-job.ts';

const job: WebhookJob = {
  version: 1,
  webhookId: 3,
  serverId: 1,
  eventUuid: '3f1c0a52-7c1e-4c7e-9a51-0d2b9e6f4a11',
  event: 'MessageSent',
  timestamp: 1_764_072_000.25,
  payload: { status: 'Sent' },
};

describe('webhook jobs', () => {
  it('round-trips through a queue body and refuses anything else', () => {
    assert.deepEqual(parseWebhookJob(JSON.stringify(job)), job);
    for (const body of [
      'not json',
      '[]',
      JSON.stringify({ ...job, version: 2 }),
      JSON.stringify({ ...job, event: 'MessageOpened' }),
      JSON.stringify({ ...job, eventUuid: 'nope' }),
      JSON.stringify({ ...job, payload: [] }),
    ]) {
      assert.equal(parseWebhookJob(body), null, body);
    }
  });

  it("writes Postal's envelope: event, timestamp, payload, uuid", () => {
    assert.equal(
      webhookEnvelope(job),
      '{"event":"MessageSent","timestamp":1764072000.25,"payload":{"status":"Sent"},"uuid":"3f1c0a52-7c1e-4c7e-9a51-0d2b9e6f4a11"}',
    );
  });

  it('has a sample payload for every event', () => {
    const server = { uuid: 'b1a7d7f0-5b7e-4d43-9d0b-2f6f0a8f4c11', name: 'Main', permalink: 'main' };
    for (const event of WEBHOOK_EVENTS) {
      const payload = samplePayload(event, server, 'acme', 1_764_072_000_000);
      assert.ok(Object.keys(payload).length > 0, event);
      assert.notEqual(parseWebhookJob(JSON.stringify({ ...job, event, payload })), null, event);
    }
  });
});

describe('the webhook retry schedule', () => {
  const first = Date.UTC(2026, 10, 25, 12);
  const minute = 60_000;

  it("waits Postal's 2, 3, 6, 10 and 15 minutes, then an hour", () => {
    let now = first;
    const delays: (number | null)[] = [];
    for (let number = 1; number <= 7; number += 1) {
      const delay = retryDelaySeconds({ number, firstAttemptAt: first }, now);
      delays.push(delay);
      now += (delay ?? 0) * 1000;
    }
    assert.deepEqual(POSTAL_RETRY_MINUTES, [2, 3, 6, 10, 15]);
    assert.deepEqual(delays, [120, 180, 360, 600, 900, 3600, 3600]);
  });

  it('gives up when the next attempt would fall more than a day after the first', () => {
    const day = 24 * 60 * minute;
    assert.equal(retryDelaySeconds({ number: 10, firstAttemptAt: first }, first + day - 60 * minute), 3600);
    assert.equal(retryDelaySeconds({ number: 10, firstAttemptAt: first }, first + day - 59 * minute), null);
    // A backlog that delays the early attempts also ends the day.
    assert.equal(retryDelaySeconds({ number: 2, firstAttemptAt: first }, first + day), null);
  });
});
