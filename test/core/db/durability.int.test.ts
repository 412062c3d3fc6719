import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Db } from '../../../core/db/database.ts';
import { durably, syncCommitted } from '../../../core/db/durability.ts';
import { freshDatabase, type TestDatabase } from '../../helpers/databases.ts';

// SQLite's synchronous levels: 1 = NORMAL (commits reach the WAL, unsynced), 2 = FULL.
const synchronousOf = async (db: Db) =>
  (await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows[0]!.synchronous;

describe('sqlite: durable commits', () => {
  let database: TestDatabase;
  before(async () => {
    database = await freshDatabase('sqlite');
  });
  after(() => database.drop());

  it('commits unsynced by default, and synced inside durably() only', async () => {
    const { db, dialect } = database.handle;
    assert.equal(await synchronousOf(db), 1);
    const inside = await durably(db, dialect, (connection) => synchronousOf(connection));
    assert.equal(inside, 2);
    assert.equal(await synchronousOf(db), 1);
  });

  it('keeps the connection to itself, so no other caller commits under its setting', async () => {
    const { db, dialect } = database.handle;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = durably(db, dialect, async (connection) => {
      await gate;
      return synchronousOf(connection);
    });
    let outsideDone = false;
    const outside = synchronousOf(db).then((level) => {
      outsideDone = true;
      return level;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(outsideDone, false, 'a statement outside ran while durably() held the connection');
    release();
    assert.equal(await held, 2);
    assert.equal(await outside, 1);
  });

  it('restores the default setting when the work fails', async () => {
    const { db, dialect } = database.handle;
    await assert.rejects(
      durably(db, dialect, async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await synchronousOf(db), 1);
  });

  it('syncCommitted() checkpoints every committed frame of the WAL', async () => {
    const { db, dialect } = database.handle;
    await db
      .insertInto('queue_messages')
      .values({ queue: 'q', body: 'x', visible_at: 0, receive_count: 0, receipt_handle: null, sent_at: 0 })
      .execute();
    await syncCommitted(db, dialect);
    const [state] = (
      await sql<{ busy: number; log: number; checkpointed: number }>`pragma wal_checkpoint(passive)`.execute(
        db,
      )
    ).rows;
    assert.equal(state!.busy, 0);
    assert.equal(state!.log, state!.checkpointed);
  });
});
