import type { AppContext } from '../../core/context.ts';
import type { DatabaseQueue } from '../../core/local/database-queue.ts';
import type { SqliteBlobStore } from '../../core/local/sqlite-blob-store.ts';
import { ACCEPTED_POINTER_PREFIX } from '../../core/messages/accept-message.ts';
import { INGEST_QUEUE, type AcceptedMessage } from '../../core/messages/accepted-message.ts';
import { requeueAccepted } from '../../core/messages/accepted-recovery.ts';
import { deadLetterQueueName } from '../../lambdas/topology.ts';

/**
 * The local shape's start-up recovery of ingest envelopes a crash of the machine took
 * (core/messages/accepted-recovery.ts), read from the local stores. Runs before anything accepts
 * or ingests, so that neither list changes while it is read.
 */
export function requeueLostEnvelopes(
  ctx: AppContext,
  stores: { blobs: SqliteBlobStore; queue: DatabaseQueue },
): Promise<AcceptedMessage[]> {
  const { blobs, queue } = stores;
  return requeueAccepted(ctx, {
    pointerKeys: blobs.keys(ACCEPTED_POINTER_PREFIX),
    queuedBodies: async function* () {
      yield* queue.bodies(INGEST_QUEUE);
      yield* queue.bodies(deadLetterQueueName(INGEST_QUEUE));
    },
  });
}
