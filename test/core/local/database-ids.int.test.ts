import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { openDatabase, type Db } from '../../../core/db/database.ts';
import { DatabaseIds } from '../../../core/local/database-ids.ts';
import { DIALECTS, freshDatabase } from '../../helpers/databases.ts';

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
    void it('hands out 5,000 unique ids across 3 instances, leasing about one block per blockSize ids', async () => {
      const database = await freshDatabase(dialect);
      // On MySQL each instance has its own connection pool, as separate processes would. SQLite is
      // owned by one process, whose single connection runs transactions one at a time.
      const extra =
        dialect === 'mysql' ? [await openDatabase(database.url), await openDatabase(database.url)] : [];
      try {
        const handles = [database.handle, ...extra];
        const blockSize = 50;
        const instances = [0, 1, 2].map(
          (index) => new DatabaseIds({ db: (handles[index] ?? database.handle).db, dialect, blockSize }),
        );
        const start = await nextValue(database.handle.db);
        const total = 5000;
        const ids = await Promise.all(
          Array.from({ length: total }, (_, index) => (instances[index % 3] as DatabaseIds).messageId()),
        );
        assert.equal(new Set(ids).size, total, 'no id was handed out twice');
        assert.ok(ids.every((id) => Number.isSafeInteger(id) && id >= start));

        const leases = ((await nextValue(database.handle.db)) - start) / blockSize;
        const minimum = Math.ceil(total / blockSize);
        // Each instance may hold a partly used block and one leased ahead.
        assert.ok(leases >= minimum && leases <= minimum + 6, `${leases} leases for ${total} ids`);
        assert.ok(
          Math.max(...ids) < (await nextValue(database.handle.db)),
          'every id lies below the high-water mark',
        );
      } finally {
        await Promise.all(extra.map((handle) => handle.destroy()));
        await database.drop();
      }
    });

    void it('leases the next block in the background once half the current one is used', async () => {
      const database = await freshDatabase(dialect);
      try {
        const db = database.handle.db;
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
        await database.drop();
      }
    });

    void it('makes uuids and tokens from the right alphabets', async () => {
      const database = await freshDatabase(dialect);
      try {
        const ids = new DatabaseIds({ db: database.handle.db, dialect });
        assert.match(ids.uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.notEqual(ids.uuid(), ids.uuid());
        assert.equal(ids.token(0), '');
        const mixed = ids.token(5000);
        assert.equal(mixed.length, 5000);
        assert.match(mixed, /^[A-Za-z0-9]+$/);
        assert.equal(new Set(mixed).size, 62, 'every character of the alphabet turns up');
        const lower = ids.token(2000, { lower: true });
        assert.match(lower, /^[a-z0-9]{2000}$/);
        assert.equal(new Set(lower).size, 36);
        assert.notEqual(ids.token(24), ids.token(24));
        // Modulo bias would make the alphabet's first 256 % 62 = 8 characters 25% more likely.
        const sample = ids.token(200_000);
        const counts = new Map<string, number>();
        for (const char of sample) counts.set(char, (counts.get(char) ?? 0) + 1);
        const mean = (chars: string) =>
          [...chars].reduce((sum, char) => sum + (counts.get(char) ?? 0), 0) / chars.length;
        const ratio = mean('ABCDEFGH') / mean('IJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
        assert.ok(ratio > 0.94 && ratio < 1.06, `the first 8 characters are ${ratio.toFixed(3)}× as likely`);
        assert.throws(() => ids.token(-1), RangeError);
        assert.throws(() => new DatabaseIds({ db: database.handle.db, dialect, blockSize: 0 }));
      } finally {
        await database.drop();
      }
    });
  });
}
