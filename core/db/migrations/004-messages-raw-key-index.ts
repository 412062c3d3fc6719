import { createIndex, type MigrationStep } from '../migration-steps.ts';

// Retention (core/maintenance/message-retention.ts) finds a server's raw messages by their keys,
// which begin with the day they were accepted: the oldest first, those past a day at once, and
// the total size, without reading the rows (size is in the index) and without walking past the
// messages whose raw message is already gone (a null key is outside every range it asks for).
export const messagesRawKeyIndex: readonly MigrationStep[] = [
  createIndex('messages', ['server_id', 'raw_key', 'size']),
];
