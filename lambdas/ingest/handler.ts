import { AcceptedMessage } from '../../core/messages/accepted-message.ts';
import { ingestAccepted } from '../../core/messages/ingest.ts';
import { cloudContext, type ContextLoader } from '../context-loader.ts';
import { sqsBatchHandler } from '../queue/sqs-batch.ts';

export function createHandler(load: ContextLoader) {
  return sqsBatchHandler(load, AcceptedMessage, async (envelope, { ctx }) => {
    await ingestAccepted(ctx, envelope);
    return 'done';
  });
}

export const handler = createHandler(cloudContext);
