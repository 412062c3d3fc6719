import { createIndex, dropIndex, type MigrationStep } from '../migration-steps.ts';

// Deletes and visibility changes find a queue message by queue and receipt handle. With an index
// on the handle alone, SQLite's planner (which has no statistics) took the (queue, visible_at)
// index instead and walked every message of the queue for each delete, so a backlog made every
// delete slower. An index on both columns serves them directly and replaces the handle's own.
export const queueReceiptIndex: readonly MigrationStep[] = [
  createIndex('queue_messages', ['queue', 'receipt_handle']),
  dropIndex('queue_messages', ['receipt_handle']),
];
