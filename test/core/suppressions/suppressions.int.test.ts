import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  activeSuppression,
  addSuppression,
  isSuppressed,
  pruneExpiredSuppressions,
  removeSuppression,
} from '../../../core/suppressions/suppressions.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { createTestContext, type TestContext } from '../../helpers/test-context.ts';
import { ManualClock } from '../../fakes/manual-clock.ts';

const DAY = 86_400_000;
const SERVER = 1;
const OTHER_SERVER = 2;

for (const dialect of DIALECTS) {
  describe(`${dialect}: suppression list`, () => {
    let t: TestContext;
    const clock = new ManualClock();
    const start = clock.now();

    before(async () => {
      t = await createTestContext(dialect, { clock });
    });
    beforeEach(async () => {
      clock.set(start);
      await t.ctx.db.deleteFrom('suppressions').execute();
    });
    after(() => t.close());

    it('suppresses an address, case-insensitively and per server, for 30 days by default', async () => {
      const { db } = t.ctx;
      await addSuppression(db, clock, SERVER, 'Bob@Example.com', 'too many hard fails', 'automatic');
      assert.equal(await isSuppressed(db, clock, SERVER, 'bob@example.COM'), true);
      assert.equal(await isSuppressed(db, clock, OTHER_SERVER, 'bob@example.com'), false);
      const row = await activeSuppression(db, clock, SERVER, 'bob@example.com');
      assert.equal(row?.address, 'bob@example.com');
      assert.equal(row?.keep_until, start + 30 * DAY);
      clock.advance(30 * DAY);
      assert.equal(await isSuppressed(db, clock, SERVER, 'bob@example.com'), true, 'keep_until is inclusive');
      clock.advance(1);
      assert.equal(await isSuppressed(db, clock, SERVER, 'bob@example.com'), false);
    });

    it('refreshes reason and keep_until when re-added, keeping the first timestamp', async () => {
      const { db } = t.ctx;
      await addSuppression(db, clock, SERVER, 'a@example.com', 'too many soft fails', 'automatic', 5);
      clock.advance(DAY);
      await addSuppression(db, clock, SERVER, 'a@example.com', 'too many hard fails', 'automatic', 5);
      const rows = await db.selectFrom('suppressions').selectAll().execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.reason, 'too many hard fails');
      assert.equal(rows[0]?.timestamp, start);
      assert.equal(rows[0]?.keep_until, start + DAY + 5 * DAY);
    });

    it('starts an expired entry anew', async () => {
      const { db } = t.ctx;
      await addSuppression(db, clock, SERVER, 'a@example.com', 'old', 'automatic', 1);
      clock.advance(2 * DAY);
      await addSuppression(db, clock, SERVER, 'a@example.com', 'new', 'automatic', 1);
      const row = await activeSuppression(db, clock, SERVER, 'a@example.com');
      assert.equal(row?.timestamp, start + 2 * DAY);
      assert.equal(row?.reason, 'new');
    });

    it('never shortens or relabels an active manual entry from an automatic add', async () => {
      const { db } = t.ctx;
      await addSuppression(db, clock, SERVER, 'a@example.com', 'asked to stop', 'manual', 90);
      await addSuppression(db, clock, SERVER, 'a@example.com', 'too many hard fails', 'automatic');
      const row = await activeSuppression(db, clock, SERVER, 'a@example.com');
      assert.equal(row?.source, 'manual');
      assert.equal(row?.reason, 'asked to stop');
      assert.equal(row?.keep_until, start + 90 * DAY);
      await addSuppression(db, clock, SERVER, 'a@example.com', 'later', 'manual', 1);
      assert.equal((await activeSuppression(db, clock, SERVER, 'a@example.com'))?.keep_until, start + DAY);
    });

    it('removes an address and prunes expired entries only', async () => {
      const { db } = t.ctx;
      await addSuppression(db, clock, SERVER, 'short@example.com', 'x', 'automatic', 1);
      await addSuppression(db, clock, SERVER, 'long@example.com', 'x', 'automatic', 10);
      await addSuppression(db, clock, SERVER, 'gone@example.com', 'x', 'automatic', 10);
      assert.equal(await removeSuppression(db, SERVER, 'GONE@example.com'), true);
      assert.equal(await removeSuppression(db, SERVER, 'gone@example.com'), false);
      await db
        .updateTable('suppressions')
        .set({ keep_until: null })
        .where('address', '=', 'long@example.com')
        .execute();
      assert.equal(await pruneExpiredSuppressions(db, start + 2 * DAY), 1);
      const left = await db.selectFrom('suppressions').select('address').execute();
      assert.deepEqual(left, [{ address: 'long@example.com' }]);
    });
  });
}
