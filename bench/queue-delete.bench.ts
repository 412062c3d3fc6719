// Deleting queue messages by receipt handle with a backlog on the queue: the schema's index on
// (queue, receipt_handle) against the handle-only index it replaced (migration 002), on SQLite,
// same rows, same run. Run: node bench/queue-delete.bench.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../core/db/database.ts';
import { migrateToLatest } from '../core/db/migrate.ts';

const BACKLOG = 20_000;
const DELETES = 200;

const dir = mkdtempSync(join(tmpdir(), 'postern-bench-queue-'));
try {
  const rows = [];
  for (const schema of ['queue + handle (now)', 'handle only (before)']) {
    const database = await openDatabase(`sqlite:${join(dir, `${rows.length}.db`)}`);
    await migrateToLatest(database.db, database.dialect);
    if (schema.startsWith('handle only')) {
      await sql`drop index queue_messages_queue_receipt_handle_index`.execute(database.db);
      await sql`create index queue_messages_receipt_handle_index on queue_messages (receipt_handle)`.execute(
        database.db,
      );
    }
    for (let at = 0; at < BACKLOG; at += 500) {
      const values = Array.from({ length: 500 }, (_, n) => ({
        queue: 'ingest',
        body: '{}',
        visible_at: at + n,
        receive_count: 1,
        receipt_handle: `handle-${at + n}`,
        sent_at: 0,
      }));
      await database.db.insertInto('queue_messages').values(values).execute();
    }
    const row: Record<string, string | number> = { schema };
    // One handle, as a lone delete; several, as the group-committed deletes of a batch.
    for (const handles of [1, 2, 10]) {
      const start = performance.now();
      for (let n = 0; n < DELETES; n += 1) {
        const batch = Array.from({ length: handles }, (_, k) => `handle-${(n * 13 + k * 7919) % BACKLOG}`);
        await database.db
          .deleteFrom('queue_messages')
          .where('queue', '=', 'ingest')
          .where('receipt_handle', 'in', batch)
          .execute();
      }
      row[`ms per delete of ${handles}`] = Number(((performance.now() - start) / DELETES).toFixed(3));
    }
    rows.push(row);
    await database.destroy();
  }
  console.log(`Deletes by receipt handle with ${BACKLOG.toLocaleString('en')} messages on the queue, SQLite`);
  console.table(rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
