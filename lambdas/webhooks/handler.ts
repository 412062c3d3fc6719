import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { AppContext } from '../../core/context.ts';
import { deliverWebhookJob } from '../../core/webhooks/deliver-webhook-job.ts';
import { parseWebhookJob } from '../../core/webhooks/webhook-job.ts';
import { cloudContext, type ContextLoader } from '../context-loader.ts';

// The consumer of queue "webhooks": one attempt per record. A record to retry is made visible
// again after its delay and reported as a batch item failure, so the event source leaves it on
// the queue; everything else (delivered, given up, dropped) is deleted.

/** The queue's name is the last part of its ARN, in the cloud and locally alike. */
const queueOf = (record: SQSRecord): string =>
  record.eventSourceARN.slice(record.eventSourceARN.lastIndexOf(':') + 1);

/** Resolves with the record's id when it must stay on the queue. */
async function handleRecord(ctx: AppContext, record: SQSRecord): Promise<string | null> {
  const job = parseWebhookJob(record.body);
  if (!job) {
    ctx.logger.error('not a webhook job; dropped', { messageId: record.messageId });
    return null;
  }
  // The receive count is the attempt number; a replay is a new message, so it starts again at 1.
  const attempt = {
    number: Number(record.attributes.ApproximateReceiveCount),
    firstAttemptAt: Number(record.attributes.ApproximateFirstReceiveTimestamp),
  };
  let outcome;
  try {
    outcome = await deliverWebhookJob(ctx, job, attempt);
  } catch (error) {
    // Not an answer from the receiver but our own failure (the database, say): the record comes
    // back after the queue's visibility timeout.
    ctx.logger.error('webhook attempt failed', { messageId: record.messageId, error: String(error) });
    return record.messageId;
  }
  if (outcome.status !== 'retry') return null;
  try {
    await ctx.queue.changeVisibility(queueOf(record), record.receiptHandle, outcome.delaySeconds);
  } catch (error) {
    // Still kept: it then comes back after the queue's visibility timeout, earlier than planned.
    ctx.logger.error('could not delay the webhook retry', {
      messageId: record.messageId,
      error: String(error),
    });
  }
  return record.messageId;
}

export function createHandler(load: ContextLoader) {
  return middy<SQSEvent, SQSBatchResponse>().handler(async (event) => {
    const ctx = await load();
    const kept = await Promise.all(event.Records.map((record) => handleRecord(ctx, record)));
    return {
      batchItemFailures: kept.filter((id) => id !== null).map((itemIdentifier) => ({ itemIdentifier })),
    };
  });
}

export const handler = createHandler(cloudContext);
