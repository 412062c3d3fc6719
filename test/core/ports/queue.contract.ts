import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Queue, QueueMessage } from '../../../core/ports.ts';
import { ManualClock } from '../../fakes/manual-clock.ts';

// What every Queue adapter must do: SQS's semantics and limits. Run by each adapter's test file
// with a factory that builds a queue over empty queues, timed by the ManualClock it is given.

/** A queue as the contract declares it: the topology's QueueSpec plus its dead-letter queue. */
export interface ContractQueueSpec {
  name: string;
  visibilityTimeoutSeconds: number;
  maxReceives: number;
  deadLetterQueue?: string;
}

export type QueueFactory = (
  clock: ManualClock,
  queues: readonly ContractQueueSpec[],
) => Promise<{ queue: Queue; cleanup(): Promise<void> }>;

const VISIBILITY = 30;
const MAX_RECEIVES = 3;

export const contractQueues: readonly ContractQueueSpec[] = [
  {
    name: 'jobs',
    visibilityTimeoutSeconds: VISIBILITY,
    maxReceives: MAX_RECEIVES,
    deadLetterQueue: 'jobs-dlq',
  },
  { name: 'jobs-dlq', visibilityTimeoutSeconds: VISIBILITY, maxReceives: 1000 },
  { name: 'other', visibilityTimeoutSeconds: VISIBILITY, maxReceives: 1000 },
];

const seconds = (count: number): number => count * 1000;

function only(messages: QueueMessage[]): QueueMessage {
  assert.equal(messages.length, 1, `expected one message, got ${messages.length}`);
  return messages[0] as QueueMessage;
}

export function queueContract(label: string, make: QueueFactory): void {
  void describe(`${label}: Queue contract`, () => {
    let clock: ManualClock;
    let queue: Queue;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      clock = new ManualClock();
      ({ queue, cleanup } = await make(clock, contractQueues));
    });
    afterEach(async () => {
      await cleanup();
    });

    void it('sends, receives and deletes', async () => {
      const sentAt = clock.now();
      await queue.send('jobs', '{"messageId":1}');
      const message = only(await queue.receive('jobs', { max: 10 }));
      assert.equal(message.body, '{"messageId":1}');
      assert.equal(message.receiveCount, 1);
      assert.equal(message.sentAt, sentAt);
      assert.equal(typeof message.id, 'string');
      assert.ok(message.receiptHandle.length > 0);
      await queue.delete('jobs', message.receiptHandle);
      clock.advance(seconds(VISIBILITY + 1));
      assert.deepEqual(await queue.receive('jobs', { max: 10 }), []);
    });

    void it('keeps bodies intact, Unicode and large ones included', async () => {
      // SQS refuses empty bodies and characters outside XML's (such as NUL), so none are here.
      const bodies = ['héllo ✉ 📬', 'x'.repeat(200_000), 'tab\tquote"\'backslash\\\r\n'];
      await queue.sendBatch('jobs', bodies);
      const received = await queue.receive('jobs', { max: 10 });
      assert.deepEqual(received.map((message) => message.body).sort(), [...bodies].sort());
    });

    void it('keeps queues apart', async () => {
      await queue.send('other', 'for other');
      assert.deepEqual(await queue.receive('jobs', { max: 10 }), []);
      assert.equal(only(await queue.receive('other', { max: 10 })).body, 'for other');
    });

    void it('hides a received message until its visibility timeout passes, then gives it again', async () => {
      await queue.send('jobs', 'retry me');
      const first = only(await queue.receive('jobs', { max: 10 }));
      assert.deepEqual(await queue.receive('jobs', { max: 10 }), []);
      clock.advance(seconds(VISIBILITY) - 1);
      assert.deepEqual(await queue.receive('jobs', { max: 10 }), []);
      clock.advance(1);
      const second = only(await queue.receive('jobs', { max: 10 }));
      assert.equal(second.id, first.id);
      assert.equal(second.receiveCount, 2);
      assert.notEqual(second.receiptHandle, first.receiptHandle);
    });

    void it('uses the visibility timeout given to receive over the queue default', async () => {
      await queue.send('jobs', 'short');
      only(await queue.receive('jobs', { max: 1, visibilityTimeoutSeconds: 5 }));
      clock.advance(seconds(5) - 1);
      assert.deepEqual(await queue.receive('jobs', { max: 1 }), []);
      clock.advance(1);
      assert.equal(only(await queue.receive('jobs', { max: 1 })).receiveCount, 2);
    });

    void it('ignores a stale receipt handle on delete', async () => {
      await queue.send('jobs', 'keep me');
      const first = only(await queue.receive('jobs', { max: 1 }));
      clock.advance(seconds(VISIBILITY));
      const second = only(await queue.receive('jobs', { max: 1 }));
      await queue.delete('jobs', first.receiptHandle);
      await queue.delete('jobs', 'no-such-handle');
      assert.deepEqual(await queue.depth('jobs'), { visible: 0, inFlight: 1, delayed: 0 });
      await queue.delete('jobs', second.receiptHandle);
      assert.deepEqual(await queue.depth('jobs'), { visible: 0, inFlight: 0, delayed: 0 });
    });

    void it('does not give a delayed message before its delay, and gives it after', async () => {
      await queue.send('jobs', 'later', { delaySeconds: 60 });
      assert.deepEqual(await queue.receive('jobs', { max: 10 }), []);
      clock.advance(seconds(60) - 1);
      assert.deepEqual(await queue.receive('jobs', { max: 10 }), []);
      clock.advance(1);
      const message = only(await queue.receive('jobs', { max: 10 }));
      assert.equal(message.body, 'later');
      assert.equal(message.receiveCount, 1);
    });

    void it('delays a whole batch', async () => {
      await queue.sendBatch('jobs', ['a', 'b'], { delaySeconds: 10 });
      assert.deepEqual(await queue.receive('jobs', { max: 10 }), []);
      clock.advance(seconds(10));
      assert.equal((await queue.receive('jobs', { max: 10 })).length, 2);
    });

    void it('extends visibility with changeVisibility', async () => {
      await queue.send('jobs', 'slow');
      const message = only(await queue.receive('jobs', { max: 1 }));
      await queue.changeVisibility('jobs', message.receiptHandle, 120);
      clock.advance(seconds(VISIBILITY + 1));
      assert.deepEqual(await queue.receive('jobs', { max: 1 }), []);
      clock.advance(seconds(120 - VISIBILITY - 1));
      assert.equal(only(await queue.receive('jobs', { max: 1 })).receiveCount, 2);
    });

    void it('makes a message visible at once with changeVisibility 0', async () => {
      await queue.send('jobs', 'again');
      const message = only(await queue.receive('jobs', { max: 1 }));
      await queue.changeVisibility('jobs', message.receiptHandle, 0);
      const again = only(await queue.receive('jobs', { max: 1 }));
      assert.equal(again.id, message.id);
      assert.equal(again.receiveCount, 2);
    });

    void it('refuses changeVisibility through an unknown or stale handle', async () => {
      await assert.rejects(queue.changeVisibility('jobs', 'no-such-handle', 10), {
        code: 'receipt_handle_invalid',
      });
      await queue.send('jobs', 'twice');
      const first = only(await queue.receive('jobs', { max: 1 }));
      await queue.changeVisibility('jobs', first.receiptHandle, 0);
      await queue.changeVisibility('jobs', first.receiptHandle, 0);
      only(await queue.receive('jobs', { max: 1 }));
      await assert.rejects(queue.changeVisibility('jobs', first.receiptHandle, 10), {
        code: 'receipt_handle_invalid',
      });
    });

    void it('removes a message deleted through its current handle', async () => {
      await queue.send('jobs', 'done');
      const message = only(await queue.receive('jobs', { max: 1 }));
      await queue.delete('jobs', message.receiptHandle);
      clock.advance(seconds(VISIBILITY));
      assert.deepEqual(await queue.receive('jobs', { max: 10 }), []);
      assert.deepEqual(await queue.depth('jobs'), { visible: 0, inFlight: 0, delayed: 0 });
    });

    void it('gives at most max messages', async () => {
      await queue.sendBatch('jobs', ['1', '2', '3', '4', '5']);
      assert.equal((await queue.receive('jobs', { max: 3 })).length, 3);
      assert.equal((await queue.receive('jobs', { max: 10 })).length, 2);
      assert.equal((await queue.receive('jobs', { max: 10 })).length, 0);
    });

    void it('gives messages in the order they became visible', async () => {
      await queue.send('jobs', 'delayed first', { delaySeconds: 5 });
      clock.advance(seconds(1));
      await queue.send('jobs', 'second');
      clock.advance(seconds(1));
      await queue.sendBatch('jobs', ['third', 'fourth']);
      clock.advance(seconds(5));
      const bodies = (await queue.receive('jobs', { max: 10 })).map((message) => message.body);
      assert.deepEqual(bodies, ['second', 'third', 'fourth', 'delayed first']);
    });

    void it('moves a message to the dead-letter queue after maxReceives receives', async () => {
      await queue.send('jobs', 'poison');
      for (let receive = 1; receive <= MAX_RECEIVES; receive++) {
        assert.equal(only(await queue.receive('jobs', { max: 1 })).receiveCount, receive);
        clock.advance(seconds(VISIBILITY));
      }
      assert.deepEqual(await queue.receive('jobs', { max: 10 }), []);
      assert.deepEqual(await queue.depth('jobs'), { visible: 0, inFlight: 0, delayed: 0 });
      const dead = only(await queue.receive('jobs-dlq', { max: 10 }));
      assert.equal(dead.body, 'poison');
      assert.equal(dead.receiveCount, 1);
    });

    void it('still fills a batch when some of it goes to the dead-letter queue', async () => {
      await queue.send('jobs', 'poison');
      for (let receive = 1; receive <= MAX_RECEIVES; receive++) {
        only(await queue.receive('jobs', { max: 1 }));
        clock.advance(seconds(VISIBILITY));
      }
      clock.advance(seconds(1));
      await queue.send('jobs', 'fresh');
      assert.equal(only(await queue.receive('jobs', { max: 1 })).body, 'fresh');
      assert.equal(only(await queue.receive('jobs-dlq', { max: 10 })).body, 'poison');
    });

    void it('counts visible, in-flight and delayed messages', async () => {
      assert.deepEqual(await queue.depth('jobs'), { visible: 0, inFlight: 0, delayed: 0 });
      await queue.sendBatch('jobs', ['a', 'b', 'c']);
      await queue.send('jobs', 'd', { delaySeconds: 30 });
      only(await queue.receive('jobs', { max: 1 }));
      assert.deepEqual(await queue.depth('jobs'), { visible: 2, inFlight: 1, delayed: 1 });
      assert.deepEqual(await queue.depth('other'), { visible: 0, inFlight: 0, delayed: 0 });
      clock.advance(seconds(30));
      assert.deepEqual(await queue.depth('jobs'), { visible: 4, inFlight: 0, delayed: 0 });
    });

    void it('rejects delays and visibility timeouts outside SQS limits', async () => {
      for (const delaySeconds of [-1, 901, 1.5, Number.NaN]) {
        await assert.rejects(queue.send('jobs', 'x', { delaySeconds }), RangeError, `delay ${delaySeconds}`);
        await assert.rejects(
          queue.sendBatch('jobs', ['x'], { delaySeconds }),
          RangeError,
          `delay ${delaySeconds}`,
        );
      }
      await queue.send('jobs', 'edge', { delaySeconds: 900 });
      for (const visibilityTimeoutSeconds of [-1, 43_201, 2.5]) {
        await assert.rejects(queue.receive('jobs', { max: 1, visibilityTimeoutSeconds }), RangeError);
      }
      await queue.send('jobs', 'x');
      const message = only(await queue.receive('jobs', { max: 1, visibilityTimeoutSeconds: 43_200 }));
      await assert.rejects(queue.changeVisibility('jobs', message.receiptHandle, 43_201), RangeError);
      await assert.rejects(queue.changeVisibility('jobs', message.receiptHandle, -1), RangeError);
      assert.deepEqual(await queue.depth('jobs'), { visible: 0, inFlight: 1, delayed: 1 });
    });

    void it('rejects unknown queues', async () => {
      await assert.rejects(queue.send('nope', 'x'));
      await assert.rejects(queue.sendBatch('nope', ['x']));
      await assert.rejects(queue.receive('nope', { max: 1 }));
      await assert.rejects(queue.changeVisibility('nope', 'handle', 0));
      await assert.rejects(queue.delete('nope', 'handle'));
      await assert.rejects(queue.depth('nope'));
    });

    void it('never gives one message to two concurrent receivers', async () => {
      const total = 50;
      await queue.sendBatch(
        'jobs',
        Array.from({ length: total }, (_, index) => `message ${index}`),
      );
      const seen = new Set<string>();
      for (let round = 0; round < 20 && seen.size < total; round++) {
        const [left, right] = await Promise.all([
          queue.receive('jobs', { max: 10 }),
          queue.receive('jobs', { max: 10 }),
        ]);
        for (const message of [...left, ...right]) {
          assert.ok(!seen.has(message.id), `message ${message.id} was given twice`);
          seen.add(message.id);
        }
      }
      assert.equal(seen.size, total);
    });
  });
}
