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

/** A record's body read with the queue's schema; null when it never can be (it then goes to the DLQ). */
async function readRecord<S extends z.ZodType>(
  ctx: AppContext,
  schema: S,
  record: SQSRecord,
): Promise<{ item: z.output<S> } | null> {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    body = undefined;
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return { item: parsed.data };
  const queue = queueNameOf(record);
  ctx.logger.error('unreadable queue message moved to the dead-letter queue', {
    queue,
    messageId: record.messageId,
    issues: parsed.error.issues.slice(0, 3),
  });
  await ctx.queue.send(deadLetterQueueName(queue), record.body);
  return null;
}

function failedRecord(ctx: AppContext, record: SQSRecord, error: unknown): RecordOutcome {
  ctx.logger.error('queue message failed; it will be retried', {
    queue: queueNameOf(record),
    messageId: record.messageId,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return 'retry';
}

function batchResponse(records: readonly SQSRecord[], outcomes: readonly RecordOutcome[]): SQSBatchResponse {
  return {
    batchItemFailures: records
      .filter((_, index) => outcomes[index] === 'retry')
      .map((record) => ({ itemIdentifier: record.messageId })),
  };
}

/** Each record handled on its own; a failure sends back that record alone. */
export function sqsBatchHandler<S extends z.ZodType>(
  load: ContextLoader,
  schema: S,
  handle: (item: z.output<S>, record: RecordContext) => Promise<RecordOutcome>,
) {
  async function handleRecord(ctx: AppContext, record: SQSRecord, memo: BatchMemo): Promise<RecordOutcome> {
    const read = await readRecord(ctx, schema, record);
    if (read === null) return 'done';
    try {
      return await handle(read.item, {
        ctx,
        record,
        queue: queueNameOf(record),
        receiveCount: Number(record.attributes.ApproximateReceiveCount),
        memo,
      });
    } catch (error) {
      return failedRecord(ctx, record, error);
    }
  }

  return middy<SQSEvent, SQSBatchResponse>().handler(async (event) => {
    const ctx = await load();
    // The records at once: each waits mostly for durable writes (a queue send, a blob), and
    // writes that overlap share one group commit, where one after another each paid its own.
    const memo = new BatchMemo();
    const outcomes = await Promise.all(event.Records.map((record) => handleRecord(ctx, record, memo)));
    return batchResponse(event.Records, outcomes);
  });
}

/**
 * The readable records handled together, for a stage that writes a batch in one transaction. When
 * the batch fails, each record is tried on its own, so one that always fails does not take the
 * others back with it (the stage is idempotent: what the batch had done changes nothing again).
 */
export function sqsWholeBatchHandler<S extends z.ZodType>(
  load: ContextLoader,
  schema: S,
  handle: (items: z.output<S>[], ctx: AppContext) => Promise<void>,
) {
  return middy<SQSEvent, SQSBatchResponse>().handler(async (event) => {
    const ctx = await load();
    const reads = await Promise.all(event.Records.map((record) => readRecord(ctx, schema, record)));
    const readable = event.Records.flatMap((record, index) => {
      const read = reads[index];
      return read ? [{ record, item: read.item }] : [];
    });
    const outcomes = new Map<SQSRecord, RecordOutcome>();
    try {
      if (readable.length > 0)
        await handle(
          readable.map(({ item }) => item),
          ctx,
        );
    } catch (error) {
      if (readable.length === 1)
        outcomes.set(readable[0]!.record, failedRecord(ctx, readable[0]!.record, error));
      else {
        ctx.logger.warn('queue batch failed; its records are tried one by one', {
          queue: queueNameOf(readable[0]!.record),
          records: readable.length,
          error: error instanceof Error ? error.message : String(error),
        });
        for (const { record, item } of readable) {
          try {
            await handle([item], ctx);
          } catch (one) {
            outcomes.set(record, failedRecord(ctx, record, one));
          }
        }
      }
    }
    return batchResponse(
      event.Records,
      event.Records.map((record) => outcomes.get(record) ?? 'done'),
    );
  });
}
