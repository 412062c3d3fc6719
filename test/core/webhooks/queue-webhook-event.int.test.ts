import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DatabaseQueue } from '../../../core/local/database-queue.ts';
import { queueWebhookEvent } from '../../../core/webhooks/queue-webhook-event.ts';
import { WEBHOOK_QUEUE, parseWebhookJob, type WebhookEvent } from '../../../core/webhooks/webhook-job.ts';
import { MemoryQueue } from '../../fakes/memory-queue.ts';
import { ManualClock } from '../../fakes/manual-clock.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { createTestContext, type TestContext } from '../../helpers/test-context.ts';
import { insertServer, insertWebhook, useWebhookQueue } from '../../helpers/webhook-fixtures.ts';

for (const dialect of DIALECTS) {
  describe(`${dialect}: queueing a webhook event`, () => {
    let t: TestContext;
    let queue: DatabaseQueue;
    let serverId: number;
    const hooks: Record<string, number> = {};
    const clock = new ManualClock();

    before(async () => {
      t = await createTestContext(dialect, { clock });
      queue = useWebhookQueue(t.ctx);
      serverId = await insertServer(t.ctx, 'acme');
      const otherServer = await insertServer(t.ctx, 'other');
      const url = 'https://hooks.example.com/';
      hooks.all = await insertWebhook(t.ctx, serverId, { url });
      hooks.sent = await insertWebhook(t.ctx, serverId, { url, allEvents: false, events: ['MessageSent'] });
      hooks.dns = await insertWebhook(t.ctx, serverId, {
        url,
        allEvents: false,
        events: ['DomainDNSError', 'MessageBounced'],
      });
      hooks.disabled = await insertWebhook(t.ctx, serverId, { url, enabled: false });
      hooks.none = await insertWebhook(t.ctx, serverId, { url, allEvents: false });
      hooks.otherServer = await insertWebhook(t.ctx, otherServer, { url });
    });
    after(() => t.close());

    /** Queues the event and receives what it put on the queue. */
    async function queued(event: WebhookEvent) {
      const eventUuid = t.ctx.ids.uuid();
      const count = await queueWebhookEvent(t.ctx, serverId, event, { volume: 1 }, eventUuid);
      const messages = await queue.receive(WEBHOOK_QUEUE, { max: 10 });
      for (const message of messages) await queue.delete(WEBHOOK_QUEUE, message.receiptHandle);
      const jobs = messages.map((message) => parseWebhookJob(message.body));
      assert.equal(jobs.length, count);
      for (const job of jobs) {
        assert.ok(job);
        assert.equal(job.eventUuid, eventUuid);
        assert.equal(job.serverId, serverId);
        assert.equal(job.event, event);
        assert.equal(job.timestamp, clock.now() / 1000);
        assert.deepEqual(job.payload, { volume: 1 });
      }
      return jobs.map((job) => job?.webhookId).sort((a = 0, b = 0) => a - b);
    }

    it('sends each event to all-events webhooks and to those that list it', async () => {
      assert.deepEqual(await queued('MessageSent'), [hooks.all, hooks.sent]);
      assert.deepEqual(await queued('MessageBounced'), [hooks.all, hooks.dns]);
      assert.deepEqual(await queued('MessageLoaded'), [hooks.all]);
    });

    it('sends the send-limit events only to all-events webhooks', async () => {
      // Listed by hand, a send-limit event still does not reach a webhook that is not all-events.
      await t.ctx.db
        .insertInto('webhook_events')
        .values({ webhook_id: hooks.none ?? 0, event: 'SendLimitExceeded' })
        .execute();
      assert.deepEqual(await queued('SendLimitApproaching'), [hooks.all]);
      assert.deepEqual(await queued('SendLimitExceeded'), [hooks.all]);
    });

    it('sends one batch per event', async () => {
      const memory = new MemoryQueue();
      const count = await queueWebhookEvent(
        { ...t.ctx, queue: memory },
        serverId,
        'MessageSent',
        {},
        t.ctx.ids.uuid(),
      );
      assert.equal(count, 2);
      assert.deepEqual(memory.calls, [{ operation: 'sendBatch', queue: WEBHOOK_QUEUE, count: 2 }]);
    });

    it('queues nothing when no webhook subscribes', async () => {
      await t.ctx.db
        .updateTable('webhooks')
        .set({ enabled: 0 })
        .where('id', '=', hooks.all ?? 0)
        .execute();
      assert.deepEqual(await queued('MessageLoaded'), []);
      await t.ctx.db
        .updateTable('webhooks')
        .set({ enabled: 1 })
        .where('id', '=', hooks.all ?? 0)
        .execute();
    });
  });
}
