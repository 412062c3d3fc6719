import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import type { AppContext } from '../../../core/context.ts';
import { sqsBatchHandler, sqsWholeBatchHandler } from '../../../lambdas/queue/sqs-batch.ts';
import { MemoryLogger } from '../../fakes/memory-logger.ts';
import { MemoryQueue } from '../../fakes/memory-queue.ts';

const Job = z.object({ n: z.number() });

const record = (id: string, body: string): SQSRecord => ({
  messageId: id,
  receiptHandle: `handle-${id}`,
  body,
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: '0',
    SenderId: 'test',
    ApproximateFirstReceiveTimestamp: '0',
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:local:000000000000:jobs',
  awsRegion: 'local',
});

// The handler touches only the queue (for dead letters) and the logger of its context.
function context(): { ctx: AppContext; queue: MemoryQueue } {
  const queue = new MemoryQueue();
  return { ctx: { queue, logger: new MemoryLogger() } as unknown as AppContext, queue };
}

const invoke = (
  handler: ReturnType<typeof sqsBatchHandler | typeof sqsWholeBatchHandler>,
  records: SQSRecord[],
) => handler({ Records: records } satisfies SQSEvent, {} as Context) as Promise<SQSBatchResponse>;

void describe('sqsBatchHandler', () => {
  void it("handles a batch's records at once", async () => {
    const { ctx } = context();
    let releaseFirst!: () => void;
    const secondStarted = new Promise<void>((resolve) => (releaseFirst = resolve));
    const handler = sqsBatchHandler(
      async () => ctx,
      Job,
      async ({ n }) => {
        // One after another, the first would wait for the second forever.
        if (n === 1) await secondStarted;
        else releaseFirst();
        return 'done';
      },
    );
    const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error('records ran one by one')), 2000),
    );
    const response = await Promise.race([
      invoke(handler, [record('a', '{"n":1}'), record('b', '{"n":2}')]),
      timeout,
    ]);
    assert.deepEqual(response, { batchItemFailures: [] });
  });

  void it('reports the records to retry in batch order, and dead-letters the unreadable ones', async () => {
    const { ctx, queue } = context();
    const handler = sqsBatchHandler(
      async () => ctx,
      Job,
      async ({ n }) => {
        await new Promise((resolve) => setTimeout(resolve, 10 - n));
        if (n === 3) throw new Error('fails');
        return n === 1 ? 'retry' : 'done';
      },
    );
    const response = await invoke(handler, [
      record('a', '{"n":1}'),
      record('b', 'not json'),
      record('c', '{"n":2}'),
      record('d', '{"n":3}'),
    ]);
    assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: 'a' }, { itemIdentifier: 'd' }]);
    assert.deepEqual(queue.sent('jobs-dlq'), ['not json']);
  });
});

void describe('sqsWholeBatchHandler', () => {
  void it('hands the readable records over together, dead-lettering the unreadable ones', async () => {
    const { ctx, queue } = context();
    const seen: number[][] = [];
    const handler = sqsWholeBatchHandler(
      async () => ctx,
      Job,
      async (jobs) => {
        seen.push(jobs.map((job) => job.n));
      },
    );
    const response = await invoke(handler, [
      record('a', '{"n":1}'),
      record('b', '{}'),
      record('c', '{"n":2}'),
    ]);
    assert.deepEqual(response, { batchItemFailures: [] });
    assert.deepEqual(seen, [[1, 2]]);
    assert.deepEqual(queue.sent('jobs-dlq'), ['{}']);
  });

  void it('tries the records one by one when the batch fails, sending back only those that fail alone', async () => {
    const { ctx } = context();
    const calls: number[][] = [];
    const handler = sqsWholeBatchHandler(
      async () => ctx,
      Job,
      async (jobs) => {
        calls.push(jobs.map((job) => job.n));
        if (jobs.some((job) => job.n === 2)) throw new Error('value too long');
      },
    );
    const response = await invoke(handler, [
      record('a', '{"n":1}'),
      record('b', 'x'),
      record('c', '{"n":2}'),
      record('d', '{"n":3}'),
    ]);
    assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: 'c' }]);
    assert.deepEqual(calls, [[1, 2, 3], [1], [2], [3]]);
    const logger = ctx.logger as MemoryLogger;
    assert.ok(logger.has('warn', 'queue batch failed; its records are tried one by one'));
    assert.ok(logger.has('error', 'queue message failed; it will be retried', { messageId: 'c' }));
  });

  void it('sends a lone record back when it fails', async () => {
    const { ctx } = context();
    const handler = sqsWholeBatchHandler(
      async () => ctx,
      Job,
      async () => {
        throw new Error('database down');
      },
    );
    const response = await invoke(handler, [record('a', '{"n":1}')]);
    assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: 'a' }]);
  });
});
