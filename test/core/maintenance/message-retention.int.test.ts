import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyRetention } from '../../../core/maintenance/message-retention.ts';
import { runScheduledTasks } from '../../../core/maintenance/scheduled-tasks.ts';
import { purgeDeleted } from '../../../core/maintenance/purge-deleted.ts';
import { ingestAccepted } from '../../../core/messages/ingest.ts';
import { processMessage } from '../../../core/messages/process-message.ts';
import { processJob } from '../../../core/messages/process-job.ts';
import { getMessage } from '../../../core/messages/message-actions.ts';
import { preparedKey } from '../../../core/messages/prepare-message.ts';
import { recordResult } from '../../../core/delivery/record-result.ts';
import type { DeliveryResult } from '../../../core/delivery/delivery-result.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import type { TestContext } from '../../helpers/test-context.ts';
import { createServerFixture, serverOnManualClock } from '../../helpers/server-fixture.ts';
import type { ManualClock } from '../../fakes/manual-clock.ts';
import {
  acceptOutgoing,
  deliveryJobs,
  processJobs,
  result,
  sampleMessage,
} from '../messages/pipeline-helpers.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const BUDGET = 60_000;

for (const dialect of DIALECTS) {
  describe(`${dialect}: retention of messages and raw messages`, () => {
    let t: TestContext;
    let clock: ManualClock;

    before(async () => {
      ({ t, clock } = await serverOnManualClock(dialect));
    });
    after(() => t.close());

    /** A server of its own with these retention settings and nothing else kept. */
    async function serverWith(
      permalink: string,
      settings: { messages?: number | null; rawDays?: number | null; rawSize?: number | null },
    ) {
      const fixture = await createServerFixture(t.ctx, { permalink });
      await t.ctx.db
        .updateTable('servers')
        .set({
          message_retention_days: settings.messages ?? null,
          raw_message_retention_days: settings.rawDays ?? null,
          raw_message_retention_size: settings.rawSize ?? null,
        })
        .where('id', '=', fixture.server.id)
        .execute();
      return fixture;
    }

    /**
     * One submission to `outcomes.length` recipients, signed and sent to each, whose delivery then
     * ends as the outcome says (none: still waiting for its first attempt).
     */
    async function submission(
      serverId: number,
      outcomes: readonly (DeliveryResult['status'] | 'none')[],
      raw?: Buffer,
    ) {
      const to = outcomes.map((_, n) => `r${n}@remote.test`);
      const envelope = await acceptOutgoing(t.ctx, serverId, { to, ...(raw ? { raw } : {}) });
      await ingestAccepted(t.ctx, envelope);
      await processJobs(t.ctx);
      const ids = envelope.recipients.map((recipient) => recipient.messageId);
      for (const id of ids) assert.equal((await processMessage(t.ctx, processJob(id, 1))).outcome, 'queued');
      const jobs = await deliveryJobs(t.ctx);
      for (const [n, status] of outcomes.entries()) {
        const job = jobs.find((candidate) => candidate.messageId === ids[n]);
        if (status !== 'none') await recordResult(t.ctx, result(job!, status, clock.now()));
      }
      await processJobs(t.ctx);
      return { rawKey: envelope.rawKey, ids };
    }

    const row = (id: number) =>
      t.ctx.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
    const deliveryCount = async (id: number) =>
      (await t.ctx.db.selectFrom('deliveries').select('id').where('message_id', '=', id).execute()).length;
    const stored = async (key: string) => (await t.ctx.blobs.get(key)) !== null;

    it('removes raw messages of days past raw_message_retention_days, keeping the messages and what is still being sent', async () => {
      const fixture = await serverWith('rawdays', { rawDays: 3 });
      const serverId = fixture.server.id;
      const mixed = await submission(serverId, ['Sent', 'SoftFail']);
      const done = await submission(serverId, ['Sent', 'HardFail']);
      clock.advance(2 * DAY);
      const recent = await submission(serverId, ['Sent']);

      clock.advance(2 * DAY);
      const deliveriesBefore = await Promise.all(done.ids.map(deliveryCount));
      const report = await applyRetention(t.ctx, clock.now() + BUDGET);
      assert.deepEqual(report, { rawMessagesRemoved: 1, messagesDeleted: 0, complete: true });
      assert.equal(await stored(done.rawKey), false);
      assert.deepEqual(
        await Promise.all(done.ids.map(deliveryCount)),
        deliveriesBefore,
        'and its deliveries',
      );
      for (const id of done.ids) {
        assert.equal(await stored(preparedKey(id)), false, 'the prepared copy goes with the raw message');
        const message = await row(id);
        assert.equal(message?.raw_key, null);
        assert.ok(message?.status === 'Sent' || message?.status === 'HardFail', 'the message stays');
      }
      assert.equal(await stored(mixed.rawKey), true, 'a recipient still retrying keeps the raw message');
      assert.equal(await stored(preparedKey(mixed.ids[1]!)), true);
      assert.equal((await row(mixed.ids[0]!))?.raw_key, mixed.rawKey);
      assert.equal(await stored(recent.rawKey), true, 'two days old: kept');
      const view = (id: number) => getMessage(t.ctx, fixture.scope, id);
      assert.equal((await view(done.ids[0]!)).raw_message_available, false, "Postal's Raw Message: Removed");
      assert.equal((await view(recent.ids[0]!)).raw_message_available, true);

      // The retrying recipient is sent at last; the next tick of the scheduler removes the rest.
      await t.ctx.db
        .updateTable('messages')
        .set({ status: 'Sent' })
        .where('id', '=', mixed.ids[1]!)
        .execute();
      assert.equal((await runScheduledTasks(t.ctx, BUDGET))['message-retention'], 'ok');
      assert.equal(await stored(mixed.rawKey), false);
      assert.equal(await stored(preparedKey(mixed.ids[1]!)), false);
      assert.equal(await stored(recent.rawKey), true);
      assert.deepEqual(await applyRetention(t.ctx, clock.now() + BUDGET), {
        rawMessagesRemoved: 0,
        messagesDeleted: 0,
        complete: true,
      });
    });

    it('deletes messages past message_retention_days with their deliveries and bodies, but not unfinished ones', async () => {
      const serverId = (await serverWith('olddays', { messages: 5 })).server.id;
      const old = await submission(serverId, ['Sent', 'none']);
      clock.advance(3 * DAY);
      const younger = await submission(serverId, ['Sent']);
      clock.advance(2 * DAY + MINUTE);

      // Other servers' rules apply in the same run; only this server keeps messages for days.
      assert.equal((await applyRetention(t.ctx, clock.now() + BUDGET)).messagesDeleted, 1);
      assert.equal(await row(old.ids[0]!), undefined);
      assert.equal(await deliveryCount(old.ids[0]!), 0);
      assert.equal(await stored(preparedKey(old.ids[0]!)), false);
      assert.equal((await row(old.ids[1]!))?.status, 'Pending', 'waiting for its first attempt: kept');
      assert.equal(await stored(old.rawKey), true, 'the raw message its recipient still needs');
      assert.ok(await row(younger.ids[0]!));

      await t.ctx.db
        .updateTable('messages')
        .set({ status: 'HardFail' })
        .where('id', '=', old.ids[1]!)
        .execute();
      assert.equal((await applyRetention(t.ctx, clock.now() + BUDGET)).messagesDeleted, 1);
      assert.equal(await stored(old.rawKey), false, 'its last message gone, the raw message goes');
      assert.equal(await stored(preparedKey(old.ids[1]!)), false);
      assert.equal(await stored(younger.rawKey), true);
    });

    it('removes the oldest raw messages beyond raw_message_retention_size, once an hour', async () => {
      const serverId = (await serverWith('rawsize', { rawSize: 1 })).server.id;
      // Four submissions of about 400 KB on four days: 1.6 MB against a limit of 1 MB.
      const body = Buffer.from(`${'x'.repeat(76)}\r\n`.repeat(5200));
      const raw = Buffer.concat([sampleMessage('app@example.com', 'r0@remote.test'), body]);
      const submissions = [];
      for (let day = 0; day < 4; day += 1) {
        submissions.push(await submission(serverId, ['Sent'], raw));
        clock.advance(DAY);
      }
      clock.set(Math.ceil(clock.now() / (60 * MINUTE)) * 60 * MINUTE + 30 * MINUTE);
      assert.equal(
        (await applyRetention(t.ctx, clock.now() + BUDGET)).rawMessagesRemoved,
        0,
        'not at half past',
      );

      clock.advance(30 * MINUTE);
      assert.equal((await applyRetention(t.ctx, clock.now() + BUDGET)).rawMessagesRemoved, 2);
      const kept = await Promise.all(submissions.map((s) => stored(s.rawKey)));
      assert.deepEqual(kept, [false, false, true, true], 'the oldest two went; 0.8 MB is left');
      assert.equal((await row(submissions[0]!.ids[0]!))?.raw_key, null);
    });

    it('stops at the deadline and carries on at the next run', async () => {
      const serverId = (await serverWith('deadline', { rawDays: 1 })).server.id;
      const first = await submission(serverId, ['Sent']);
      clock.advance(3 * DAY);
      const late = await applyRetention(t.ctx, clock.now());
      assert.equal(late.complete, false);
      assert.equal(await stored(first.rawKey), true);
      assert.equal((await applyRetention(t.ctx, clock.now() + BUDGET)).complete, true);
      assert.equal(await stored(first.rawKey), false);
    });

    it('hands the event loop back between batches', async () => {
      const serverId = (await serverWith('turns', { messages: 1 })).server.id;
      const rows = Array.from({ length: 250 }, (_, n) => n + 1_000_000);
      const template = await t.ctx.db
        .selectFrom('messages')
        .selectAll()
        .where('status', '=', 'Sent')
        .executeTakeFirstOrThrow();
      await t.ctx.db
        .insertInto('messages')
        .values(
          rows.map((id) => ({ ...template, id, token: `turns${id}`, server_id: serverId, raw_key: null })),
        )
        .execute();
      clock.advance(2 * DAY);
      // Rows only, no blobs: without a turn handed back on purpose, the whole run would be microtasks.
      let turns = 0;
      let counting = true;
      const count = () => {
        turns += 1;
        if (counting) setImmediate(count);
      };
      setImmediate(count);
      assert.ok((await applyRetention(t.ctx, clock.now() + BUDGET)).messagesDeleted >= rows.length);
      counting = false;
      assert.ok(turns >= 3, `${turns} turns for three batches`);
    });

    it("purges a deleted server's prepared copies with its raw messages", async () => {
      const serverId = (await serverWith('purged', {})).server.id;
      const gone = await submission(serverId, ['Sent', 'Sent']);
      await t.ctx.db
        .updateTable('servers')
        .set({ deleted_at: clock.now() })
        .where('id', '=', serverId)
        .execute();
      assert.equal((await purgeDeleted(t.ctx, clock.now() + BUDGET)).messagesDeleted, 2);
      assert.equal(await stored(gone.rawKey), false);
      for (const id of gone.ids) assert.equal(await stored(preparedKey(id)), false);
    });
  });
}
