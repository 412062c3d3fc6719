import { AcceptedMessage } from '../../core/messages/accepted-message.ts';
import { ingestAcceptedBatch } from '../../core/messages/ingest.ts';
import { cloudContext, type ContextLoader } from '../context-loader.ts';
import { sqsWholeBatchHandler } from '../queue/sqs-batch.ts';

export function createHandler(load: ContextLoader) {
  return sqsWholeBatchHandler(load, AcceptedMessage, async (envelopes, ctx) => {
    await ingestAcceptedBatch(ctx, envelopes);
  });
}

export const handler = createHandler(cloudContext);
