import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SQSBatchResponse } from 'aws-lambda';
import type { DatabaseQueue } from '../../../core/local/database-queue.ts';
import type { QueueMessage } from '../../../core/ports.ts';
import { queueWebhookEvent } from '../../../core/webhooks/queue-webhook-event.ts';
import { WEBHOOK_QUEUE } from '../../../core/webhooks/webhook-job.ts';
import { createHandler } from '../../../lambdas/webhooks/handler.ts';
import type { FunctionSpec } from '../../../lambdas/topology.ts';
import { loadFunctions } from '../../../bin/local/function-loader.ts';
import { lambdaContext } from '../../../bin/local/lambda-context.ts';
import { startQueuePollers } from '../../../bin/local/queue-pollers.ts';
import { ManualClock } from '../../fakes/manual-clock.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { createTestContext, type TestContext } from '../../helpers/test-context.ts';
import {
  WEBHOOK_QUEUE_SETTINGS,
  insertServer,
  insertWebhook,
  sqsEvent,
  startReceiver,
  useWebhookQueue,
  type Receiver,
} from '../../helpers/webhook-fixtures.ts';

/** The function to add to lambdas/topology.ts. */
const webhooksFunction: FunctionSpec = {
  name: 'webhooks',
  module: 'lambdas/webhooks/handler.ts',
  memoryMb: 256,
  timeoutSeconds: 30,
  triggers: [{ kind: 'queue', queue: WEBHOOK_QUEUE, batchSize: 10 }],
};

async function until(what: string, predicate: () => Promise<boolean>): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    if (await predicate()) return;
    await sleep(20);
  }
  assert.fail(`timed out waiting until ${what}`);
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: the webhooks queue consumer`, () => {
    let t: TestContext;
    let queue: DatabaseQueue;
    let receiver: Receiver;
    let serverId: number;
    const clock = new ManualClock();

    before(async () => {
      t = await createTestContext(dialect, { clock });
      queue = useWebhookQueue(t.ctx);
      receiver = await startReceiver();
      serverId = await insertServer(t.ctx, 'acme');
    });
    after(async () => {
      await receiver.close();
      await t.close();
    });
    // Each test has the server's only webhooks, so the receiver's replies go to them in order.
    beforeEach(async () => {
      await t.ctx.db.deleteFrom('webhooks').where('server_id', '=', serverId).execute();
    });

    const handler = () => createHandler(async () => t.ctx);
    const invoke = async (messages: readonly QueueMessage[]) =>
      (await handler()(sqsEvent(messages), lambdaContext('webhooks', 30))) as SQSBatchResponse;
    const attempts = async (eventUuid: string) =>
      (
        await t.ctx.db
          .selectFrom('webhook_requests')
          .select(['attempt', 'status_code', 'will_retry'])
          .where('event_uuid', '=', eventUuid)
          .orderBy('id')
          .execute()
      ).map((row) => [row.attempt, row.status_code, row.will_retry]);

    it('keeps a failed record on the queue and makes it visible again at the retry time', async () => {
      receiver.reply({ status: 500 }, { status: 200 });
      await insertWebhook(t.ctx, serverId, { url: receiver.url });
      const eventUuid = t.ctx.ids.uuid();
      assert.equal(await queueWebhookEvent(t.ctx, serverId, 'MessageSent', { status: 'Sent' }, eventUuid), 1);

      const first = await queue.receive(WEBHOOK_QUEUE, { max: 10 });
      assert.equal(first.length, 1);
      const failed = await invoke(first);
      assert.deepEqual(failed, { batchItemFailures: [{ itemIdentifier: first[0]?.id }] });
      assert.deepEqual(await attempts(eventUuid), [[1, 500, 1]]);

      clock.advance(119_000);
      assert.deepEqual(await queue.receive(WEBHOOK_QUEUE, { max: 10 }), []);
      clock.advance(1_000);
      const second = await queue.receive(WEBHOOK_QUEUE, { max: 10 });
      assert.equal(second.length, 1);
      assert.equal(second[0]?.receiveCount, 2);
      assert.deepEqual(await invoke(second), { batchItemFailures: [] });
      assert.deepEqual(await attempts(eventUuid), [
        [1, 500, 1],
        [2, 200, 0],
      ]);
      assert.equal(receiver.requests.length, 2);
      const [request] = receiver.requests;
      assert.equal(JSON.parse(request?.body.toString('utf8') ?? '{}').uuid, eventUuid);
      for (const message of second) await queue.delete(WEBHOOK_QUEUE, message.receiptHandle);
    });

    it('delivers a batch of records at once', async () => {
      receiver.reply({ status: 200 });
      for (let n = 0; n < 3; n += 1) {
        await insertWebhook(t.ctx, serverId, {
          url: receiver.url,
          allEvents: false,
          events: ['MessageLoaded'],
        });
      }
      const eventUuid = t.ctx.ids.uuid();
      assert.equal(await queueWebhookEvent(t.ctx, serverId, 'MessageLoaded', {}, eventUuid), 3);
      const messages = await queue.receive(WEBHOOK_QUEUE, { max: 10 });
      assert.equal(messages.length, 3);
      assert.deepEqual(await invoke(messages), { batchItemFailures: [] });
      assert.deepEqual(await attempts(eventUuid), [
        [1, 200, 0],
        [1, 200, 0],
        [1, 200, 0],
      ]);
      for (const message of messages) await queue.delete(WEBHOOK_QUEUE, message.receiptHandle);
    });

    it('drops records that are not webhook jobs, or whose webhook is gone', async () => {
      const goneId = await insertWebhook(t.ctx, serverId, { url: receiver.url });
      await t.ctx.db.deleteFrom('webhooks').where('id', '=', goneId).execute();
      const gone = JSON.stringify({
        version: 1,
        webhookId: goneId,
        serverId,
        eventUuid: t.ctx.ids.uuid(),
        event: 'MessageSent',
        timestamp: clock.now() / 1000,
        payload: {},
      });
      await queue.sendBatch(WEBHOOK_QUEUE, ['{"version":1}', 'not json', gone]);
      const messages = await queue.receive(WEBHOOK_QUEUE, { max: 10 });
      assert.equal(messages.length, 3);
      assert.deepEqual(await invoke(messages), { batchItemFailures: [] });
      assert.ok(t.logger.has('error', 'not a webhook job; dropped', { messageId: messages[0]?.id }));
      assert.ok(t.logger.has('info', 'webhook no longer exists; event dropped', { webhookId: goneId }));
      for (const message of messages) await queue.delete(WEBHOOK_QUEUE, message.receiptHandle);
    });

    it('runs as the proposed topology function under the local queue pollers', async () => {
      receiver.reply({ status: 502 }, { status: 204 });
      await insertWebhook(t.ctx, serverId, {
        url: receiver.url,
        allEvents: false,
        events: ['MessageBounced'],
      });
      const functions = await loadFunctions([webhooksFunction], t.ctx);
      const pollers = startQueuePollers({
        queue,
        queues: [WEBHOOK_QUEUE_SETTINGS],
        functions,
        logger: t.logger,
        idleMs: 20,
        concurrency: 1,
      });
      try {
        const eventUuid = t.ctx.ids.uuid();
        const before = receiver.requests.length;
        await queueWebhookEvent(t.ctx, serverId, 'MessageBounced', { bounce: {} }, eventUuid);
        await until('the first attempt is logged', async () => (await attempts(eventUuid)).length === 1);
        assert.deepEqual(await attempts(eventUuid), [[1, 502, 1]]);
        assert.deepEqual(await queue.depth(WEBHOOK_QUEUE), { visible: 0, inFlight: 1, delayed: 0 });
        await sleep(100);
        assert.equal(receiver.requests.length - before, 1, 'nothing more before the retry time');
        clock.advance(120_000);
        await until('the message is deleted after the second attempt', async () => {
          const depth = await queue.depth(WEBHOOK_QUEUE);
          return depth.visible + depth.inFlight + depth.delayed === 0;
        });
        assert.deepEqual(await attempts(eventUuid), [
          [1, 502, 1],
          [2, 204, 0],
        ]);
      } finally {
        await pollers.stop();
      }
    });
  });
}
