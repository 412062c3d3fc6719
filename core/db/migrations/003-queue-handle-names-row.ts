import { dropIndex, type MigrationStep } from '../migration-steps.ts';

// A receipt handle now names its row (a random part, then the row's id: database-queue.ts), so
// deletes and visibility changes find the message by its primary key and check the handle on
// that row. The (queue, receipt_handle) index found it before; it is no longer read, and keeping
// it up to date cost every send, claim and delete an index write.
export const queueHandleNamesRow: readonly MigrationStep[] = [
  dropIndex('queue_messages', ['queue', 'receipt_handle']),
];
