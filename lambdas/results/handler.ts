import { DeliveryResult } from '../../core/delivery/delivery-result.ts';
import { recordResult } from '../../core/delivery/record-result.ts';
import { cloudContext, type ContextLoader } from '../context-loader.ts';
import { sqsBatchHandler } from '../queue/sqs-batch.ts';

export function createHandler(load: ContextLoader) {
  return sqsBatchHandler(load, DeliveryResult, async (result, { ctx, memo }) => {
    await recordResult(ctx, result, memo);
    return 'done';
  });
}

export const handler = createHandler(cloudContext);
