import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SQSEvent } from 'aws-lambda';
import { DatabaseQueue } from '../../../core/local/database-queue.ts';
import { systemClock } from '../../../core/local/system-clock.ts';
import type { QueueMessage } from '../../../core/ports.ts';
import type { LoadedFunction } from '../../../bin/local/function-loader.ts';
import { startQueuePollers } from '../../../bin/local/queue-pollers.ts';
import { MemoryLogger } from '../../fakes/memory-logger.ts';
import { freshDatabase, type TestDatabase } from '../../helpers/databases.ts';

/** The real queue, counting what each receive returned. */
class CountingQueue extends DatabaseQueue {
  readonly received: number[] = [];
  override async receive(queue: string, options: { max: number }): Promise<QueueMessage[]> {
    const messages = await super.receive(queue, options);
    this.received.push(messages.length);
    return messages;
  }
}

async function until(what: string, predicate: () => boolean | Promise<boolean>): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 10) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe('local queue pollers', () => {
  let database: TestDatabase;
  before(async () => {
    database = await freshDatabase('sqlite');
  });
  after(() => database.drop());

  it('a send wakes one idle poller, which hands the record over and deletes it after success', async () => {
    const jobs = { name: 'jobs', visibilityTimeoutSeconds: 30, maxReceives: 5 };
    const queue = new CountingQueue({ ...database.handle, clock: systemClock, queues: [jobs] });
    const bodies: string[] = [];
    const fn: LoadedFunction = {
      spec: {
        name: 'jobs',
        module: 'none',
        memoryMb: 128,
        timeoutSeconds: 10,
        triggers: [{ kind: 'queue', queue: 'jobs', batchSize: 10 }],
      },
      invoke: async (event) => {
        bodies.push(...(event as SQSEvent).Records.map((record) => record.body));
        return { batchItemFailures: [] };
      },
    };
    const pollers = startQueuePollers({
      queue,
      queues: [jobs],
      functions: [fn],
      logger: new MemoryLogger(),
      // Long enough that only a wake-up can explain a receive while the test runs.
      idleMs: 60_000,
      concurrency: 3,
    });
    try {
      await until('each poller has looked once', () => queue.received.length === 3);
      await queue.send('jobs', 'hello');
      await until('the record is handled', () => bodies.length === 1);
      await until('the queue is empty', async () => {
        const depth = await queue.depth('jobs');
        return depth.visible + depth.inFlight + depth.delayed === 0;
      });
      await until('the poller that took it has looked again', () => queue.received.length >= 5);
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Three first looks, the woken poller's receive of the record, and its look after it:
      // the two other pollers slept through the send.
      assert.deepEqual(queue.received, [0, 0, 0, 1, 0]);
      assert.deepEqual(bodies, ['hello']);
    } finally {
      await pollers.stop();
    }
  });

  it('while clients are being served, takes one message at a time and rests three times as long as it took', async () => {
    const jobs = { name: 'paced', visibilityTimeoutSeconds: 30, maxReceives: 5 };
    const queue = new CountingQueue({ ...database.handle, clock: systemClock, queues: [jobs] });
    await queue.sendBatch('paced', ['a', 'b', 'c', 'd']);
    let busy = true;
    const calls: { records: number; at: number }[] = [];
    const pollers = startQueuePollers({
      queue,
      queues: [jobs],
      functions: [slowFunction('paced', calls)],
      logger: new MemoryLogger(),
      idleMs: 60_000,
      concurrency: 1,
      giveWay: () => busy,
    });
    try {
      await until('three messages were handled', () => calls.length === 3);
      assert.deepEqual(
        calls.map((call) => call.records),
        [1, 1, 1],
      );
      for (let n = 1; n < calls.length; n += 1) {
        const gap = calls[n]!.at - calls[n - 1]!.at;
        assert.ok(
          gap >= 4 * HANDLER_MS - 5,
          `${gap} ms between two calls: the handler's ${HANDLER_MS} ms and a rest of three times that`,
        );
      }
      busy = false;
      await queue.sendBatch('paced', ['e', 'f', 'g']);
      await until('the rest were handled', () => calls.reduce((sum, call) => sum + call.records, 0) === 7);
      assert.ok(
        calls.slice(3).some((call) => call.records > 1),
        'with no client waiting, a batch holds several',
      );
    } finally {
      await pollers.stop();
    }
  });

  it('while clients are being served, the pollers of every queue take turns, each turn followed by its rest', async () => {
    const first = { name: 'turns-a', visibilityTimeoutSeconds: 30, maxReceives: 5 };
    const second = { name: 'turns-b', visibilityTimeoutSeconds: 30, maxReceives: 5 };
    const queue = new CountingQueue({ ...database.handle, clock: systemClock, queues: [first, second] });
    await queue.sendBatch('turns-a', ['a1', 'a2', 'a3']);
    await queue.sendBatch('turns-b', ['b1', 'b2', 'b3']);
    const calls: { records: number; at: number }[] = [];
    const pollers = startQueuePollers({
      queue,
      queues: [first, second],
      functions: [slowFunction('turns-a', calls), slowFunction('turns-b', calls)],
      logger: new MemoryLogger(),
      idleMs: 60_000,
      concurrency: 2,
      giveWay: () => true,
    });
    try {
      await until('four messages were handled', () => calls.length >= 4);
      const starts = calls.map((call) => call.at).sort((a, b) => a - b);
      for (let n = 1; n < starts.length; n += 1) {
        const gap = starts[n]! - starts[n - 1]!;
        assert.ok(
          gap >= 4 * HANDLER_MS - 5,
          `${gap} ms between two calls of four pollers: one handler's ${HANDLER_MS} ms and its rest`,
        );
      }
    } finally {
      await pollers.stop();
    }
  });
});

const HANDLER_MS = 25;

/** A function that takes HANDLER_MS over each batch, noting when it was called and with how many records. */
function slowFunction(queue: string, calls: { records: number; at: number }[]): LoadedFunction {
  return {
    spec: {
      name: queue,
      module: 'none',
      memoryMb: 128,
      timeoutSeconds: 10,
      triggers: [{ kind: 'queue', queue, batchSize: 10 }],
    },
    invoke: async (event) => {
      calls.push({ records: (event as SQSEvent).Records.length, at: performance.now() });
      await new Promise((resolve) => setTimeout(resolve, HANDLER_MS));
      return { batchItemFailures: [] };
    },
  };
}
