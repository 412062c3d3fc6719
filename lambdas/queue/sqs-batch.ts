import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import type { AppContext } from '../../core/context.ts';
import { BatchMemo } from '../../core/messages/batch-memo.ts';
import type { ContextLoader } from '../context-loader.ts';
import { deadLetterQueueName } from '../topology.ts';

// The shape every queue consumer shares: parse each record with its schema, handle it, and
// report the records that must come back (SQS partial batch responses). A record that can
// never parse is moved to the dead-letter queue at once instead of being retried for nothing.

/** The queue a record came from: the last part of its ARN, in the cloud and locally alike. */
export const queueNameOf = (record: SQSRecord): string =>
  record.eventSourceARN.slice(record.eventSourceARN.lastIndexOf(':') + 1);

export interface RecordContext {
  ctx: AppContext;
  record: SQSRecord;
  queue: string;
  receiveCount: number;
  /** Reads shared by the records of this batch. */
  memo: BatchMemo;
}

/** `retry` leaves the record to come back after its visibility timeout (which the handler may have changed). */
export type RecordOutcome = 'done' | 'retry';

export function sqsBatchHandler<S extends z.ZodType>(
  load: ContextLoader,
  schema: S,
  handle: (item: z.output<S>, record: RecordContext) => Promise<RecordOutcome>,
) {
  async function handleRecord(ctx: AppContext, record: SQSRecord, memo: BatchMemo): Promise<RecordOutcome> {
    const queue = queueNameOf(record);
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      body = undefined;
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      ctx.logger.error('unreadable queue message moved to the dead-letter queue', {
        queue,
        messageId: record.messageId,
        issues: parsed.error.issues.slice(0, 3),
      });
      await ctx.queue.send(deadLetterQueueName(queue), record.body);
      return 'done';
    }
    try {
      return await handle(parsed.data, {
        ctx,
        record,
        queue,
        receiveCount: Number(record.attributes.ApproximateReceiveCount),
        memo,
      });
    } catch (error) {
      ctx.logger.error('queue message failed; it will be retried', {
        queue,
        messageId: record.messageId,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      return 'retry';
    }
  }

  return middy<SQSEvent, SQSBatchResponse>().handler(async (event) => {
    const ctx = await load();
    // The records at once: each waits mostly for durable writes (a queue send, a blob), and
    // writes that overlap share one group commit, where one after another each paid its own.
    const memo = new BatchMemo();
    const outcomes = await Promise.all(event.Records.map((record) => handleRecord(ctx, record, memo)));
    const batchItemFailures = event.Records.filter((_, index) => outcomes[index] === 'retry').map(
      (record) => ({ itemIdentifier: record.messageId }),
    );
    return { batchItemFailures };
  });
}
