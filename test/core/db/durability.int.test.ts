import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type Db } from '../../../core/db/database.ts';
import { durably, syncCommitted } from '../../../core/db/durability.ts';
import { DatasyncCounter } from '../../helpers/datasync-counter.ts';
import { freshDatabase, type TestDatabase } from '../../helpers/databases.ts';

const counter = new DatasyncCounter();
const { syncs } = counter;

const insertRow = (db: Db, body = 'x') =>
  db
    .insertInto('queue_messages')
    .values({ queue: 'q', body, visible_at: 0, receive_count: 0, receipt_handle: null, sent_at: 0 })
    .execute();

describe('sqlite: durable commits', () => {
  let database: TestDatabase;
  before(async () => {
    database = await freshDatabase('sqlite');
    counter.start();
  });
  after(async () => {
    counter.stop();
    await database.drop();
  });
  beforeEach(() => counter.reset());

  it('commits without a sync of their own (synchronous = NORMAL)', async () => {
    const { db } = database.handle;
    const [row] = (await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows;
    assert.equal(row!.synchronous, 1);
    await insertRow(db);
    assert.equal(syncs.length, 0);
  });

  it('durably() resolves after the WAL holding its commit was synced', async () => {
    const { db, dialect } = database.handle;
    let committed = false;
    await durably(db, dialect, async (connection) => {
      await insertRow(connection);
      committed = true;
      assert.equal(syncs.length, 0, 'synced before the work committed');
    });
    assert.ok(committed);
    assert.equal(syncs.length, 1);
  });

  it('shares one sync among the callers that arrive while one runs', async () => {
    const { db, dialect } = database.handle;
    await Promise.all(
      Array.from({ length: 50 }, (_, n) => durably(db, dialect, (c) => insertRow(c, `m${n}`))),
    );
    assert.ok(syncs.length >= 1 && syncs.length <= 3, `${syncs.length} syncs for 50 concurrent commits`);
  });

  it('syncCommitted() syncs what plain commits left in the WAL', async () => {
    const { db, dialect } = database.handle;
    await insertRow(db);
    await syncCommitted(db, dialect);
    assert.equal(syncs.length, 1);
  });

  it("lets the log grow well past SQLite's default of 1,000 pages: no commit starts it over", async () => {
    const { db } = database.handle;
    await sql`pragma wal_checkpoint(truncate)`.execute(db);
    // Each commit adds at least one page of its own: a 3 KB body fills most of one.
    for (let n = 0; n < 1_500; n += 1) await insertRow(db, 'x'.repeat(3_000));
    const [state] = (await sql<{ log: number }>`pragma wal_checkpoint(passive)`.execute(db)).rows;
    // A checkpoint of the whole log (SQLite's automatic one, inside a commit) would have let the next commit start it over.
    assert.ok(state!.log >= 1_500, `the log holds ${state!.log} pages`);
  });

  it('an in-memory database has nothing to sync', async () => {
    const memory = await openDatabase('sqlite::memory:');
    try {
      await sql`create table t (x integer)`.execute(memory.db);
      await durably(memory.db, memory.dialect, (db) => sql`insert into t values (1)`.execute(db));
      assert.equal(syncs.length, 0);
    } finally {
      await memory.destroy();
    }
  });
});
