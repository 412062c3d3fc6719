import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { migrateToLatest } from '../../../core/db/migrate.ts';
import { queueReceiptIndex } from '../../../core/db/migrations/002-queue-receipt-index.ts';
import { queueHandleNamesRow } from '../../../core/db/migrations/003-queue-handle-names-row.ts';
import { deleteByHandles } from '../../../core/local/database-queue.ts';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../helpers/databases.ts';

/** The index the database would use for the queue's delete of a batch's messages (database-queue.ts). */
async function indexForReceiptLookup(database: TestDatabase): Promise<string> {
  const { db, dialect } = database.handle;
  const ids = Array.from({ length: 10 }, (_, n) => 7 + n * 13);
  // The queue's own statement, with its parameters written in for EXPLAIN.
  const values = [...ids, `'ingest'`, ...ids.map((id) => `'handle.${id}'`)];
  const query = deleteByHandles(ids.length).replace(/\?/g, () => String(values.shift()));
  if (dialect === 'sqlite') {
    const rows = (await sql.raw<{ detail: string }>(`explain query plan ${query}`).execute(db)).rows;
    return rows.map((row) => row.detail).join('; ');
  }
  const rows = (await sql.raw<{ key: string | null }>(`explain ${query}`).execute(db)).rows;
  return rows.map((row) => row.key ?? 'none').join('; ');
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: migrations`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await freshDatabase(dialect);
      // A queue with a backlog, which is when the choice of index matters; MySQL's planner
      // judges by the table's statistics, so they are taken after the rows are in.
      const rows = Array.from({ length: 500 }, (_, n) => ({
        queue: 'ingest',
        body: '{}',
        visible_at: n,
        receive_count: 1,
        receipt_handle: `handle.${n}`,
        sent_at: n,
      }));
      await database.handle.db.insertInto('queue_messages').values(rows).execute();
      if (dialect === 'mysql') await sql`analyze table queue_messages`.execute(database.handle.db);
    });
    after(() => database.drop());

    it('has nothing left to apply once migrated', async () => {
      const { db } = database.handle;
      assert.deepEqual((await migrateToLatest(db, dialect)).applied, []);
    });

    it('finds a queue message by the row id its receipt handle names, through the primary key', async () => {
      assert.match(
        await indexForReceiptLookup(database),
        dialect === 'sqlite' ? /INTEGER PRIMARY KEY/ : /PRIMARY/,
      );
    });

    it('can run the queue index steps again, as after a crash between them', async () => {
      const { db } = database.handle;
      for (const step of [...queueReceiptIndex, ...queueHandleNamesRow]) {
        await step.up(db as unknown as Kysely<unknown>, dialect);
      }
      const indexes =
        dialect === 'sqlite'
          ? await sql<{
              name: string;
            }>`select name from sqlite_master where type = 'index' and tbl_name = 'queue_messages'`.execute(
              db,
            )
          : await sql<{
              name: string;
            }>`select index_name as name from information_schema.statistics where table_schema = database() and table_name = 'queue_messages'`.execute(
              db,
            );
      assert.ok(
        !indexes.rows.some((row) => row.name.includes('receipt_handle')),
        'no index on receipt handles is left',
      );
      assert.match(
        await indexForReceiptLookup(database),
        dialect === 'sqlite' ? /INTEGER PRIMARY KEY/ : /PRIMARY/,
      );
    });
  });
}
