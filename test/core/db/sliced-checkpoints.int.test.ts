import assert from 'node:assert/strict';
import { readlinkSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kysely, sql } from 'kysely';
import { openNodeSqlite } from '../../../core/db/dialects/node-sqlite.ts';
import {
  SlicedCheckpoints,
  type SlicedCheckpointOptions,
} from '../../../core/db/dialects/sliced-checkpoints.ts';
import { WalCheckpointer } from '../../../core/db/dialects/wal-checkpointer.ts';
import { WalSync } from '../../../core/db/dialects/wal-sync.ts';
import { openDatabase } from '../../../core/db/database.ts';
import { DatasyncCounter } from '../../helpers/datasync-counter.ts';

interface Rows {
  rows: { id: number; body: string };
}

const counter = new DatasyncCounter();
// Which file each synced descriptor names, while it is still open.
const syncedFiles = () => counter.syncs.map((fd) => readlinkSync(`/proc/self/fd/${fd}`));
const PAGE = 'x'.repeat(3_000);

interface Opened {
  dir: string;
  path: string;
  db: Kysely<Rows>;
  /**
   * Inserts `count` rows of most of a page each, one commit each, letting the timer run between;
   * syncs the log every 20 rows unless `sync` is false.
   */
  insert(count: number, sync?: boolean): Promise<void>;
  close(): Promise<void>;
}

async function open(options: SlicedCheckpointOptions): Promise<Opened> {
  const dir = await mkdtemp(join(tmpdir(), 'postern-slices-'));
  const path = join(dir, 'main.db');
  const { dialect, raw } = openNodeSqlite({ path });
  const db = new Kysely<Rows>({ dialect });
  await sql`create table rows (id integer primary key, body text not null)`.execute(db);
  const walSync = new WalSync(path);
  const checkpoints = new SlicedCheckpoints(db, raw, path, walSync, options);
  let next = 0;
  return {
    dir,
    path,
    db,
    async insert(count, sync = true) {
      for (let n = 0; n < count; n += 1) {
        await db
          .insertInto('rows')
          .values({ id: (next += 1), body: PAGE })
          .execute();
        if (n % 20 === 19) {
          if (sync) await walSync.sync();
          await sleep(1);
        }
      }
      if (sync) await walSync.sync();
    },
    async close() {
      await checkpoints.stop();
      await db.destroy();
      await walSync.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits, at most two seconds, for `done`. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited += 10) {
    if (waited > 2_000) assert.fail(`waited two seconds for ${what}`);
    await sleep(10);
  }
}

describe('SlicedCheckpoints', () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  before(() => {
    counter.start();
    process.on('warning', onWarning);
  });
  after(() => {
    counter.stop();
    process.off('warning', onWarning);
  });
  beforeEach(() => counter.reset());
  afterEach(() => assert.deepEqual(warnings, [], 'no slice failed'));

  it('copies slices of the log between transactions, leaving the file unsynced and every frame in the log', async () => {
    const opened = await open({ everyMs: 10, restartPages: 1_000_000 });
    const { dir, path, db } = opened;
    try {
      // What a crash could leave of the database file: none of the copies made from here on.
      const unsynced = join(dir, 'unsynced');
      await mkdir(unsynced);
      await copyFile(path, join(unsynced, 'main.db'));
      // A transaction that spans several ticks: a slice waits for it rather than running inside.
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('rows').values({ id: 1_000_000, body: PAGE }).execute();
        await sleep(50);
      });
      // Commits nobody synced: a slice syncs the log itself before it copies from it (its first
      // takes a snapshot only), and the second copies the first 200 rows.
      await opened.insert(200, false);
      await until(() => syncedFiles().includes(`${path}-wal`), 'a slice to sync the log itself');
      await opened.insert(200, false);
      await until(() => statSync(path).size > 500 * 1024, 'slices to reach the database file');
      assert.ok(
        !syncedFiles().includes(path),
        'a slice leaves the file unsynced: the log still holds what it copied',
      );

      await copyFile(`${path}-wal`, join(unsynced, 'main.db-wal'));
      const recovered = new DatabaseSync(join(unsynced, 'main.db'));
      try {
        const { count } = recovered.prepare('select count(*) as count from rows').get() as { count: number };
        assert.equal(count, 401, 'every row replayed from the log over the file as it was');
      } finally {
        recovered.close();
      }
    } finally {
      await opened.close();
    }
  });

  it('copies the log whole past its length, syncs the file, and the log starts over', async () => {
    const opened = await open({ everyMs: 10, restartPages: 100 });
    const { path, db } = opened;
    try {
      await opened.insert(1_000);
      await until(() => syncedFiles().includes(path), 'the file to be synced after a whole copy');
      const log = statSync(`${path}-wal`).size;
      assert.ok(log < 500 * 4096, `the log started over rather than holding 1,000 pages (${log} bytes)`);
      const { rows } = await sql<{ count: number }>`select count(*) as count from rows`.execute(db);
      assert.equal(rows[0]?.count, 1_000);
    } finally {
      await opened.close();
    }
  });

  it('leaves a database nobody writes to alone', async () => {
    const opened = await open({ everyMs: 10, restartPages: 1_000_000 });
    const { path } = opened;
    try {
      await opened.insert(100);
      await sleep(50);
      const size = statSync(path).size;
      counter.reset();
      await sleep(100);
      assert.deepEqual(syncedFiles(), [], 'no sync while nothing is written');
      assert.equal(statSync(path).size, size, 'and no copy');
    } finally {
      await opened.close();
    }
  });

  it('has each slice copy only what a finished sync of the log covers, syncing it first when none does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'postern-slices-'));
    const path = join(dir, 'main.db');
    const { raw } = openNodeSqlite({ path });
    const walSync = new WalSync(path);
    const checkpointer = new WalCheckpointer(raw, path, walSync, 1_000_000);
    const insert = (rows: number) => {
      for (let n = 0; n < rows; n += 1) raw.prepare('insert into rows (body) values (?)').run(PAGE);
    };
    try {
      raw.exec('create table rows (id integer primary key, body text not null)');
      insert(50);
      await checkpointer.slice();
      insert(50);
      counter.reset();
      assert.equal(checkpointer.logSynced, false);
      await checkpointer.slice();
      assert.deepEqual(
        syncedFiles(),
        [`${path}-wal`],
        'the log synced before the copy, the file left as it is',
      );

      insert(50);
      await walSync.sync();
      assert.equal(checkpointer.logSynced, true, "the owner's sync began after the snapshot");
      counter.reset();
      await checkpointer.slice();
      assert.deepEqual(syncedFiles(), [], 'no sync of its own after the owner’s');
    } finally {
      await checkpointer.close();
      raw.close();
      await walSync.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is how the main database is checkpointed: never by a commit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'postern-slices-'));
    const handle = await openDatabase(`sqlite:${join(dir, 'main.db')}`);
    try {
      const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(
        handle.db,
      );
      assert.equal(rows[0]?.wal_autocheckpoint, 0);
    } finally {
      await handle.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
