import { ProcessJob } from '../../core/messages/process-job.ts';
import { processMessage } from '../../core/messages/process-message.ts';
import { cloudContext, type ContextLoader } from '../context-loader.ts';
import { sqsBatchHandler } from '../queue/sqs-batch.ts';

/** SQS's longest visibility timeout: a retry further away is waited out in several receives. */
const MAX_VISIBILITY_SECONDS = 43_200;

export function createHandler(load: ContextLoader) {
  return sqsBatchHandler(load, ProcessJob, async (job, { ctx, record, queue, memo }) => {
    const wait = Math.ceil((job.notBefore - ctx.clock.now()) / 1000);
    if (wait > 0) {
      // A retry that arrived before its time: retries are data, so it goes back to wait.
      await ctx.queue.changeVisibility(queue, record.receiptHandle, Math.min(wait, MAX_VISIBILITY_SECONDS));
      return 'retry';
    }
    await processMessage(ctx, job, memo);
    return 'done';
  });
}

export const handler = createHandler(cloudContext);
