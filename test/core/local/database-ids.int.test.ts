import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type DatabaseHandle, type Db } from '../../../core/db/database.ts';
import { DatabaseIds } from '../../../core/local/database-ids.ts';
import { DatasyncCounter } from '../../helpers/datasync-counter.ts';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../helpers/databases.ts';
import { idsContract } from '../ports/ids.contract.ts';

async function nextValue(db: Db): Promise<number> {
  const row = await db
    .selectFrom('id_blocks')
    .select('next_value')
    .where('name', '=', 'messages')
    .executeTakeFirstOrThrow();
  return Number(row.next_value);
}

for (const dialect of DIALECTS) {
  void describe(`DatabaseIds on ${dialect}`, () => {
    // One database per dialect, its id sequence started again between tests: migrating a fresh
    // MySQL database for every test would cost seconds each.
    let database: TestDatabase;
    before(async () => {
      database = await freshDatabase(dialect);
    });
    after(async () => {
      await database.drop();
    });

    /**
     * A handle to the shared database as another process would have one. On MySQL that is a
     * connection pool of its own; SQLite is owned by one process, whose single connection runs
     * transactions one at a time, so every instance shares it.
     */
    const openHandle = async (opened: DatabaseHandle[]): Promise<DatabaseHandle> => {
      if (dialect === 'sqlite') return database.handle;
      const handle = await openDatabase(database.url);
      opened.push(handle);
      return handle;
    };

    // Small blocks, so the contract's few thousand ids cross many block boundaries.
    idsContract(`DatabaseIds (${dialect})`, async () => {
      const opened: DatabaseHandle[] = [];
      return {
        instance: async () => new DatabaseIds({ db: (await openHandle(opened)).db, dialect, blockSize: 16 }),
        cleanup: async () => {
          await Promise.all(opened.map((handle) => handle.destroy()));
          await database.handle.db
            .updateTable('id_blocks')
            .set({ next_value: 1 })
            .where('name', '=', 'messages')
            .execute();
        },
      };
    });

    void describe('beyond the contract', () => {
      // Each on a database of its own: a lease ahead that an earlier test's instance started may
      // still land on the shared one, and these tests read the counter.
      void it('leases about one block per blockSize ids across 3 instances, all below the high-water mark', async () => {
        const own = await freshDatabase(dialect);
        // On MySQL each instance has its own connection pool, as separate processes would.
        const extra = dialect === 'mysql' ? [await openDatabase(own.url), await openDatabase(own.url)] : [];
        try {
          const handles = [own.handle, ...extra];
          const blockSize = 50;
          const instances = [0, 1, 2].map(
            (index) => new DatabaseIds({ db: (handles[index] ?? own.handle).db, dialect, blockSize }),
          );
          const start = await nextValue(own.handle.db);
          const total = 5000;
          const ids = await Promise.all(
            Array.from({ length: total }, (_, index) => (instances[index % 3] as DatabaseIds).messageId()),
          );
          assert.ok(ids.every((id) => id >= start));
          const leases = ((await nextValue(own.handle.db)) - start) / blockSize;
          const minimum = Math.ceil(total / blockSize);
          // Each instance may hold a partly used block and one leased ahead.
          assert.ok(leases >= minimum && leases <= minimum + 6, `${leases} leases for ${total} ids`);
          assert.ok(
            Math.max(...ids) < (await nextValue(own.handle.db)),
            'every id lies below the high-water mark',
          );
        } finally {
          await Promise.all(extra.map((handle) => handle.destroy()));
          await own.drop();
        }
      });

      void it('leases the next block in the background once half the current one is used', async () => {
        const own = await freshDatabase(dialect);
        try {
          const db = own.handle.db;
          const ids = new DatabaseIds({ db, dialect, blockSize: 10 });
          const start = await nextValue(db);
          const first = await ids.messageId();
          assert.equal(first, start);
          assert.equal(await nextValue(db), start + 10, 'one block leased');
          for (let count = 1; count < 4; count++) await ids.messageId();
          await sleep(50);
          assert.equal(await nextValue(db), start + 10, 'no second lease before half the block is used');
          await ids.messageId();
          const deadline = Date.now() + 5000;
          while ((await nextValue(db)) === start + 10 && Date.now() < deadline) await sleep(10);
          assert.equal(await nextValue(db), start + 20, 'the second block was leased ahead, once');
          const rest = [];
          for (let count = 0; count < 15; count++) rest.push(await ids.messageId());
          assert.deepEqual(
            rest,
            Array.from({ length: 15 }, (_, index) => start + 5 + index),
            'ids run on into the block leased ahead',
          );
        } finally {
          await own.drop();
        }
      });

      void it('has the block synced before its first id is handed out (SQLite)', async () => {
        const own = await freshDatabase(dialect);
        const counter = new DatasyncCounter();
        counter.start();
        try {
          const ids = new DatabaseIds({ db: own.handle.db, dialect, blockSize: 10 });
          await ids.messageId();
          // The accept step's pointers carry these ids and outlive unsynced commits.
          assert.equal(counter.syncs.length, dialect === 'sqlite' ? 1 : 0);
        } finally {
          counter.stop();
          await own.drop();
        }
      });

      void it('refuses a block size that is not a positive integer', () => {
        for (const blockSize of [0, -1, 1.5]) {
          assert.throws(
            () => new DatabaseIds({ db: database.handle.db, dialect, blockSize }),
            String(blockSize),
          );
        }
      });
    });
  });
}
