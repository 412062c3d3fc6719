// The queue's writes with a backlog on the queue, on SQLite, under the three ways the schema has
// found a message by its receipt handle, same rows, same run: by the row id the handle names
// (migration 003, now), through an index on (queue, receipt_handle) (migration 002), and through
// an index on the handle alone (001). Sends and claims keep every index on the table up to date,
// so they are measured beside the deletes. Run: node bench/queue-delete.bench.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, sql } from 'kysely';
import { openDatabase } from '../core/db/database.ts';
import { migrateToLatest } from '../core/db/migrate.ts';
import { deleteByHandles } from '../core/local/database-queue.ts';

const BACKLOG = 20_000;
const ROUNDS = 200;
const CLAIM = 10;

const schemas = {
  'row id (now)': null,
  'queue + handle index (002)': ['queue', 'receipt_handle'],
  'handle index (001)': ['receipt_handle'],
} as const;

const dir = mkdtempSync(join(tmpdir(), 'postern-bench-queue-'));
try {
  const rows = [];
  for (const [schema, indexed] of Object.entries(schemas)) {
    const database = await openDatabase(`sqlite:${join(dir, `${rows.length}.db`)}`);
    const { db } = database;
    await migrateToLatest(db, database.dialect);
    if (indexed) {
      await sql.raw(`create index bench_receipt_index on queue_messages (${indexed.join(', ')})`).execute(db);
    }
    for (let at = 0; at < BACKLOG; at += 500) {
      const values = Array.from({ length: 500 }, (_, n) => ({
        queue: 'ingest',
        body: '{}',
        visible_at: at + n,
        receive_count: 1,
        receipt_handle: `handle.${at + n + 1}`,
        sent_at: 0,
      }));
      await db.insertInto('queue_messages').values(values).execute();
    }
    const row: Record<string, string | number> = { schema };
    const timed = async (name: string, work: (round: number) => Promise<unknown>) => {
      const start = performance.now();
      for (let round = 0; round < ROUNDS; round += 1) await work(round);
      row[name] = Number(((performance.now() - start) / ROUNDS).toFixed(3));
    };
    await timed('ms per send of 10', () =>
      db
        .insertInto('queue_messages')
        .values(
          Array.from({ length: 10 }, () => ({
            queue: 'process',
            body: '{"messageId":1}',
            visible_at: 0,
            receive_count: 0,
            receipt_handle: null,
            sent_at: 0,
          })),
        )
        .execute(),
    );
    // A claim as database-queue.ts makes one: a new handle and visibility for each row taken.
    await timed(`ms per claim of ${CLAIM}`, (round) =>
      sql
        .raw(
          `update queue_messages set receipt_handle = 'claim${round}.' || id, visible_at = ${BACKLOG + round} ` +
            `where id in (select id from queue_messages where queue = 'process' and visible_at = 0 limit ${CLAIM})`,
        )
        .execute(db),
    );
    // One handle, as a lone delete; several, as the group-committed deletes of a batch. The
    // indexed schemas deleted by queue and handle; now the queue's own statement.
    for (const handles of [1, 10]) {
      await timed(`ms per delete of ${handles}`, (round) => {
        const ids = Array.from({ length: handles }, (_, k) => ((round * 13 + k * 7919) % BACKLOG) + 1);
        const handlesOf = ids.map((id) => `handle.${id}`);
        return indexed
          ? db
              .deleteFrom('queue_messages')
              .where('queue', '=', 'ingest')
              .where('receipt_handle', 'in', handlesOf)
              .execute()
          : db.executeQuery(CompiledQuery.raw(deleteByHandles(handles), [...ids, 'ingest', ...handlesOf]));
      });
    }
    rows.push(row);
    await database.destroy();
  }
  console.log(`Queue writes with ${BACKLOG.toLocaleString('en')} messages on the queue, SQLite`);
  console.table(rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
