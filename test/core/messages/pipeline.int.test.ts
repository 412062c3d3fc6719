import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ingestAccepted, ingestAcceptedBatch } from '../../../core/messages/ingest.ts';
import { processMessage } from '../../../core/messages/process-message.ts';
import { processJob } from '../../../core/messages/process-job.ts';
import { recordResult } from '../../../core/delivery/record-result.ts';
import { actOnMessage, actOnMessages } from '../../../core/messages/message-actions.ts';
import { expireHolds } from '../../../core/messages/hold-expiry.ts';
import { preparedKey } from '../../../core/messages/prepare-message.ts';
import { acceptedPointerKey } from '../../../core/messages/accept-message.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import type { TestContext } from '../../helpers/test-context.ts';
import {
  createServerFixture,
  serverOnManualClock,
  type ServerFixture,
} from '../../helpers/server-fixture.ts';
import type { ManualClock } from '../../fakes/manual-clock.ts';
import {
  acceptIncoming,
  acceptOutgoing,
  apiSender,
  deliveryJobs,
  processJobs,
  result,
  sampleMessage,
} from './pipeline-helpers.ts';

const MINUTE = 60_000;

for (const dialect of DIALECTS) {
  describe(`${dialect}: the ingest, process and results stages`, () => {
    let t: TestContext;
    let clock: ManualClock;
    let fixture: ServerFixture;

    before(async () => {
      ({ t, clock, fixture } = await serverOnManualClock(dialect));
    });
    after(() => t.close());
    beforeEach(async () => {
      await processJobs(t.ctx);
      await deliveryJobs(t.ctx);
    });

    const message = (id: number) =>
      t.ctx.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const deliveries = (id: number) =>
      t.ctx.db.selectFrom('deliveries').selectAll().where('message_id', '=', id).orderBy('id').execute();
    const stats = () =>
      t.ctx.db
        .selectFrom('stats_daily')
        .selectAll()
        .where('server_id', '=', fixture.server.id)
        .executeTakeFirst();

    /** A server of its own in Development mode, holding one message for each address. */
    async function heldInDevelopment(permalink: string, addresses: readonly string[]) {
      const dev = await createServerFixture(t.ctx, { permalink, mode: 'Development' });
      const ids: number[] = [];
      for (const to of addresses) {
        const envelope = await acceptOutgoing(t.ctx, dev.server.id, { to: [to] });
        await ingestAccepted(t.ctx, envelope);
        ids.push(envelope.recipients[0]!.messageId);
      }
      await processJobs(t.ctx);
      for (const id of ids) assert.equal((await processMessage(t.ctx, processJob(id, 1))).outcome, 'held');
      return { dev, ids };
    }

    it('ingests one row per recipient once, counting once, and queues each for processing', async () => {
      const envelope = await acceptOutgoing(t.ctx, fixture.server.id, {
        to: ['a@remote.test', 'b@remote.test'],
      });
      const before = (await stats())?.outgoing ?? 0;
      assert.deepEqual(await ingestAccepted(t.ctx, envelope), { inserted: 2 });
      assert.deepEqual(await ingestAccepted(t.ctx, envelope), { inserted: 0 });
      assert.equal((await stats())?.outgoing, before + 2);
      const first = await message(envelope.recipients[0]!.messageId);
      assert.equal(first.subject, 'Hello there');
      assert.equal(first.message_id, 'abc123@example.com');
      assert.equal(first.tag, 'welcome');
      assert.equal(first.status, 'Pending');
      assert.notEqual(first.domain_id, null, 'the sending domain is recorded');
      assert.equal(await t.ctx.blobs.get(acceptedPointerKey(first.id)), null, 'the accepted pointer is gone');
      const jobs = await processJobs(t.ctx);
      // Both runs queue the jobs; the process stage runs each attempt once.
      assert.equal(jobs.length, 4);
      assert.ok(jobs.every((job) => job.attempt === 1 && !job.manual));
    });

    it('ingests a batch in one transaction, counting only the envelopes it had not seen', async () => {
      const seen = await acceptOutgoing(t.ctx, fixture.server.id, { to: ['seen@remote.test'] });
      await ingestAccepted(t.ctx, seen);
      const fresh = await acceptOutgoing(t.ctx, fixture.server.id, {
        to: ['new1@remote.test', 'new2@remote.test'],
      });
      await processJobs(t.ctx);
      const before = (await stats())?.outgoing ?? 0;
      assert.deepEqual(await ingestAcceptedBatch(t.ctx, [seen, fresh]), [{ inserted: 0 }, { inserted: 2 }]);
      assert.equal((await stats())?.outgoing, before + 2);
      assert.deepEqual(
        (await processJobs(t.ctx)).map((job) => job.messageId),
        [...seen.recipients, ...fresh.recipients].map((r) => r.messageId),
      );
    });

    it('signs the message, claims attempt 1 and queues one delivery; a repeated job resends only while there is no result', async () => {
      const envelope = await acceptOutgoing(t.ctx, fixture.server.id);
      await ingestAccepted(t.ctx, envelope);
      const id = envelope.recipients[0]!.messageId;
      assert.equal((await processMessage(t.ctx, processJob(id, 1))).outcome, 'queued');
      const [job] = await deliveryJobs(t.ctx);
      assert.ok(job);
      assert.equal(job.attempt, 1);
      assert.equal(job.rcptTo, 'someone@remote.test');
      assert.match(
        job.mailFrom,
        new RegExp(`^${fixture.server.token}\\+${id}\\.[0-9a-f]{10}@rp\\.postern\\.test$`),
      );
      const prepared = await t.ctx.blobs.get(preparedKey(id));
      assert.ok(prepared && prepared !== 'not-modified');
      const text = Buffer.from(prepared.body).toString();
      assert.match(text, /^X-Postal-MsgID: \w{16}\r\n/m);
      assert.match(text, /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed;/m);
      assert.equal((await message(id)).attempt, 1);

      assert.equal(
        (await processMessage(t.ctx, processJob(id, 1))).outcome,
        'queued',
        'resent after a crash',
      );
      assert.equal((await deliveryJobs(t.ctx)).length, 1);
      await recordResult(t.ctx, result(job, 'Sent', clock.now()));
      assert.equal((await processMessage(t.ctx, processJob(id, 1))).outcome, 'skipped');
      assert.equal((await deliveryJobs(t.ctx)).length, 0);
      assert.equal((await message(id)).status, 'Sent');
    });

    it('fails an attempt an earlier run claimed when the raw message has gone since', async () => {
      const envelope = await acceptOutgoing(t.ctx, fixture.server.id);
      await ingestAccepted(t.ctx, envelope);
      await processJobs(t.ctx);
      const id = envelope.recipients[0]!.messageId;
      assert.equal((await processMessage(t.ctx, processJob(id, 1))).outcome, 'queued');
      await deliveryJobs(t.ctx);
      await t.ctx.blobs.delete(envelope.rawKey);
      assert.deepEqual(await processMessage(t.ctx, processJob(id, 1)), {
        outcome: 'failed',
        reason: 'The raw message is no longer available',
      });
      assert.equal((await message(id)).status, 'HardFail');
      assert.equal((await processMessage(t.ctx, processJob(id, 1))).outcome, 'skipped', 'once');
    });

    it("records a soft fail once and schedules the retry through the process stage on Postal's schedule", async () => {
      const envelope = await acceptOutgoing(t.ctx, fixture.server.id);
      await ingestAccepted(t.ctx, envelope);
      const id = envelope.recipients[0]!.messageId;
      await processJobs(t.ctx);
      await processMessage(t.ctx, processJob(id, 1));
      const [job] = await deliveryJobs(t.ctx);
      assert.ok(job);
      const failed = result(job, 'SoftFail', clock.now());
      assert.deepEqual(await recordResult(t.ctx, failed), {
        recorded: true,
        retryAt: clock.now() + 5 * MINUTE,
      });
      assert.equal((await recordResult(t.ctx, failed)).recorded, false);
      assert.equal((await deliveries(id)).filter((d) => d.attempt === 1).length, 1);
      assert.equal((await message(id)).status, 'SoftFail');
      assert.equal((await processJobs(t.ctx)).length, 0, 'the retry is not visible before its delay');
      clock.advance(5 * MINUTE);
      const retries = await processJobs(t.ctx);
      assert.equal(retries.length, 2, 'both recordings queued it; the process stage runs it once');
      assert.deepEqual(
        retries.map((r) => [r.attempt, r.notBefore]),
        [
          [2, clock.now()],
          [2, clock.now()],
        ],
      );
      assert.equal((await processMessage(t.ctx, retries[0]!)).outcome, 'queued');
      assert.equal((await processMessage(t.ctx, processJob(id, 1))).outcome, 'skipped');
      const [second] = await deliveryJobs(t.ctx);
      assert.equal(second?.attempt, 2);
      const hinted = await recordResult(
        t.ctx,
        result(second!, 'SoftFail', clock.now(), { retryAfterSeconds: 190 }),
      );
      assert.equal(hinted.retryAt, clock.now() + 190_000, "the worker's reading of the remote's hint");
    });

    it('suppresses an address after a second hard fail within 24 hours, and a sent message removes it', async () => {
      const ids: number[] = [];
      for (let n = 0; n < 2; n += 1) {
        const envelope = await acceptOutgoing(t.ctx, fixture.server.id, { to: ['gone@remote.test'] });
        await ingestAccepted(t.ctx, envelope);
        const id = envelope.recipients[0]!.messageId;
        ids.push(id);
        await processMessage(t.ctx, processJob(id, 1));
        const [job] = await deliveryJobs(t.ctx);
        await recordResult(t.ctx, result(job!, 'HardFail', clock.now()));
        clock.advance(MINUTE);
      }
      const entry = await t.ctx.db
        .selectFrom('suppressions')
        .selectAll()
        .where('address', '=', 'gone@remote.test')
        .executeTakeFirst();
      assert.equal(entry?.reason, 'too many hard fails');

      const envelope = await acceptOutgoing(t.ctx, fixture.server.id, { to: ['gone@remote.test'] });
      await ingestAccepted(t.ctx, envelope);
      const held = envelope.recipients[0]!.messageId;
      await processJobs(t.ctx);
      const outcome = await processMessage(t.ctx, processJob(held, 1));
      assert.equal(outcome.outcome, 'held');
      assert.match(outcome.reason, /is on the suppression list \(reason: too many hard fails\)/);
      assert.equal((await message(held)).held, 1);

      await actOnMessage(t.ctx, fixture.scope, held, 'release');
      const [release] = await processJobs(t.ctx);
      assert.deepEqual([release?.attempt, release?.manual], [1, true]);
      assert.equal(
        (await processMessage(t.ctx, release!)).outcome,
        'queued',
        'a release skips the suppression hold',
      );
      const [job] = await deliveryJobs(t.ctx);
      await recordResult(t.ctx, result(job!, 'Sent', clock.now()));
      assert.equal(
        await t.ctx.db
          .selectFrom('suppressions')
          .select('id')
          .where('address', '=', 'gone@remote.test')
          .executeTakeFirst(),
        undefined,
      );
    });

    it('counts only hard fails of outgoing mail toward suppressing an address', async () => {
      const address = 'shared@remote.test';
      const incoming = await acceptIncoming(
        t.ctx,
        fixture.server.id,
        { address, kind: 'incoming', routeId: null },
        sampleMessage('someone@remote.test', address),
        'someone@remote.test',
      );
      await ingestAccepted(t.ctx, incoming);
      const incomingId = incoming.recipients[0]!.messageId;
      const job = { messageId: incomingId, serverId: fixture.server.id, attempt: 1, firstAttempt: 1 };
      await recordResult(t.ctx, result(job, 'HardFail', clock.now()));
      const outgoing = await acceptOutgoing(t.ctx, fixture.server.id, { to: [address] });
      await ingestAccepted(t.ctx, outgoing);
      await processJobs(t.ctx);
      const id = outgoing.recipients[0]!.messageId;
      await processMessage(t.ctx, processJob(id, 1));
      const [delivery] = await deliveryJobs(t.ctx);
      await recordResult(t.ctx, result(delivery!, 'HardFail', clock.now()));
      const entry = await t.ctx.db
        .selectFrom('suppressions')
        .select('id')
        .where('address', '=', address)
        .executeTakeFirst();
      assert.equal(entry, undefined, 'one outgoing hard fail is not two');
    });

    it('holds everything of a Development-mode server until released', async () => {
      const dev = await createServerFixture(t.ctx, { permalink: 'devorg', mode: 'Development' });
      const envelope = await acceptOutgoing(t.ctx, dev.server.id);
      await ingestAccepted(t.ctx, envelope);
      const id = envelope.recipients[0]!.messageId;
      await processJobs(t.ctx);
      const outcome = await processMessage(t.ctx, processJob(id, 1));
      assert.deepEqual(outcome, { outcome: 'held', reason: 'Server is in development mode.' });
      const row = await message(id);
      assert.equal(row.status, 'Held');
      assert.equal(row.hold_expiry, clock.now() + 7 * 24 * 60 * MINUTE);
      assert.equal((await deliveryJobs(t.ctx)).length, 0);
      assert.equal(
        (await processMessage(t.ctx, processJob(id, 1))).outcome,
        'skipped',
        'a repeated job holds once',
      );
      assert.equal((await deliveries(id)).filter((d) => d.status === 'Held').length, 1);
      const prepared = await t.ctx.blobs.get(preparedKey(id));
      assert.ok(prepared && prepared !== 'not-modified', 'held after full processing, as Postal');
      const signed = Buffer.from(prepared.body).toString();
      assert.match(signed, /^X-Postal-MsgID: \w{16}\r\n/m);
      assert.match(signed, /^DKIM-Signature: v=1; a=rsa-sha256;/m);

      await actOnMessage(t.ctx, dev.scope, id, 'release');
      const [release] = await processJobs(t.ctx);
      assert.equal((await processMessage(t.ctx, release!)).outcome, 'queued');
      assert.equal((await message(id)).held, 0);
      const [job] = await deliveryJobs(t.ctx);
      assert.equal(job?.preparedKey, preparedKey(id));
      const again = await t.ctx.blobs.get(preparedKey(id));
      assert.ok(again && again !== 'not-modified');
      assert.equal(Buffer.from(again.body).toString(), signed, 'released exactly as it was held');
      await recordResult(t.ctx, result(job!, 'Sent', clock.now()));
      assert.equal((await message(id)).status, 'Sent');
    });

    it('holds mail beyond the send limit, counting processed mail per rolling hour', async () => {
      // A server of its own: the others' mail of the last hour counts toward a limit.
      const limited = await createServerFixture(t.ctx, { permalink: 'limited' });
      await t.ctx.db
        .updateTable('servers')
        .set({ send_limit: 10 })
        .where('id', '=', limited.server.id)
        .execute();
      const outcomes: string[] = [];
      const marks: (number | null)[] = [];
      for (let n = 0; n < 11; n += 1) {
        const envelope = await acceptOutgoing(t.ctx, limited.server.id);
        await ingestAccepted(t.ctx, envelope);
        outcomes.push((await processMessage(t.ctx, processJob(envelope.recipients[0]!.messageId, 1))).reason);
        marks.push((await limited.reload()).send_limit_approaching_at);
        clock.advance(1000);
      }
      assert.deepEqual(outcomes.slice(0, 10), Array(10).fill('queued for delivery from pool default'));
      assert.equal(outcomes[10], 'Message held because send limit (10) has been reached.');
      assert.equal(
        marks.findIndex((mark) => mark !== null),
        9,
        'approaching once 9 of 10 were sent (90 %)',
      );
      assert.equal((await limited.reload()).send_limit_exceeded_at, clock.now() - 1000);
      clock.advance(61 * MINUTE);
      const later = await acceptOutgoing(t.ctx, limited.server.id);
      await ingestAccepted(t.ctx, later);
      assert.equal(
        (await processMessage(t.ctx, processJob(later.recipients[0]!.messageId, 1))).outcome,
        'queued',
      );
    });

    /** A message to `to` that has soft-failed 18 attempts, its next job not yet run. */
    async function afterEighteenSoftFails(to: string): Promise<number> {
      const envelope = await acceptOutgoing(t.ctx, fixture.server.id, { to: [to] });
      await ingestAccepted(t.ctx, envelope);
      await processJobs(t.ctx);
      const id = envelope.recipients[0]!.messageId;
      await t.ctx.db
        .updateTable('messages')
        .set({ attempt: 18, status: 'SoftFail' })
        .where('id', '=', id)
        .execute();
      return id;
    }

    it('gives up after 18 attempts with a hard fail and a suppression', async () => {
      const id = await afterEighteenSoftFails('slow@remote.test');
      const outcome = await processMessage(t.ctx, processJob(id, 19));
      assert.equal(outcome.outcome, 'failed');
      assert.equal((await message(id)).status, 'HardFail');
      const entry = await t.ctx.db
        .selectFrom('suppressions')
        .selectAll()
        .where('address', '=', 'slow@remote.test')
        .executeTakeFirst();
      assert.equal(entry?.reason, 'too many soft fails');
    });

    it("starts a new run of 18 attempts on Postal's schedule when a person sends a failed message again", async () => {
      const id = await afterEighteenSoftFails('patient@remote.test');
      assert.equal((await processMessage(t.ctx, processJob(id, 19))).outcome, 'failed');
      await actOnMessage(t.ctx, fixture.scope, id, 'retry');
      const [resend] = await processJobs(t.ctx);
      assert.deepEqual(
        [resend?.attempt, resend?.firstAttempt, resend?.manual, resend?.intent],
        [20, 20, true, 'resend'],
      );
      assert.equal((await processMessage(t.ctx, resend!)).outcome, 'queued', 'not failed at once');
      const [job] = await deliveryJobs(t.ctx);
      assert.deepEqual([job?.attempt, job?.firstAttempt], [20, 20]);
      const failed = await recordResult(t.ctx, result(job!, 'SoftFail', clock.now()));
      assert.equal(failed.retryAt, clock.now() + 5 * MINUTE, 'the schedule starts again at 5 minutes');
      clock.advance(5 * MINUTE);
      const retry = (await processJobs(t.ctx)).find((queued) => queued.messageId === id);
      assert.deepEqual([retry?.attempt, retry?.firstAttempt, retry?.manual], [21, 20, false]);
    });

    it("retries a soft-failed message now through the same holds, as Postal's retry", async () => {
      const envelope = await acceptOutgoing(t.ctx, fixture.server.id, { to: ['later@remote.test'] });
      await ingestAccepted(t.ctx, envelope);
      const id = envelope.recipients[0]!.messageId;
      await processJobs(t.ctx);
      await processMessage(t.ctx, processJob(id, 1));
      const [job] = await deliveryJobs(t.ctx);
      await recordResult(t.ctx, result(job!, 'SoftFail', clock.now()));
      await processJobs(t.ctx);
      await actOnMessage(t.ctx, fixture.scope, id, 'retry');
      const [now] = await processJobs(t.ctx);
      assert.deepEqual([now?.attempt, now?.manual, now?.notBefore], [2, false, 0]);
      await t.ctx.db
        .updateTable('credentials')
        .set({ hold: 1 })
        .where('id', '=', envelope.credentialId!)
        .execute();
      try {
        assert.equal((await processMessage(t.ctx, now!)).outcome, 'held', 'the holds still apply');
      } finally {
        await t.ctx.db
          .updateTable('credentials')
          .set({ hold: 0 })
          .where('id', '=', envelope.credentialId!)
          .execute();
      }
    });

    it('cancels a hold, one by one and in bulk, and refuses what does not apply', async () => {
      const { dev, ids } = await heldInDevelopment('cancelorg', [
        'a@remote.test',
        'b@remote.test',
        'c@remote.test',
      ]);
      const one = await actOnMessage(t.ctx, dev.scope, ids[0]!, 'cancel_hold');
      assert.deepEqual([one.status, one.held], ['HoldCancelled', false]);
      await assert.rejects(actOnMessage(t.ctx, dev.scope, ids[0]!, 'cancel_hold'), { code: 'conflict' });
      assert.deepEqual(await actOnMessages(t.ctx, dev.scope, {}, 'cancel_hold'), { matched: 2, changed: 2 });
      assert.deepEqual(
        (await Promise.all(ids.map(message))).map((row) => [row.status, row.held]),
        [
          ['HoldCancelled', 0],
          ['HoldCancelled', 0],
          ['HoldCancelled', 0],
        ],
      );
      assert.match(
        (await deliveries(ids[1]!)).at(-1)?.details ?? '',
        /^Hold cancelled by /,
        'the person is named in the delivery',
      );
      assert.equal((await processJobs(t.ctx)).length, 0, 'nothing is sent');
      await assert.rejects(actOnMessages(t.ctx, dev.scope, {}, 'retry'), {
        code: 'invalid_request',
        message: /^status: /,
      });
      assert.deepEqual(await actOnMessages(t.ctx, dev.scope, { status: 'HoldCancelled' }, 'retry'), {
        matched: 3,
        changed: 3,
      });
      const resent = await processJobs(t.ctx);
      assert.deepEqual(
        resent.map((job) => [job.messageId, job.manual, job.intent]),
        ids.map((id) => [id, true, 'resend']),
      );
    });

    it('holds mail of a suspended server and of a holding credential', async () => {
      const holding = await t.ctx.db
        .updateTable('credentials')
        .set({ hold: 1 })
        .where('server_id', '=', fixture.server.id)
        .where('type', '=', 'API')
        .executeTakeFirst();
      assert.equal(Number(holding.numUpdatedRows), 1);
      const { credentialId } = await apiSender(t.ctx, fixture.server.id);
      const envelope = await acceptOutgoing(t.ctx, fixture.server.id);
      await ingestAccepted(t.ctx, envelope);
      const used = await t.ctx.db
        .selectFrom('credentials')
        .select('last_used_at')
        .where('id', '=', credentialId)
        .executeTakeFirstOrThrow();
      assert.equal(used.last_used_at, envelope.acceptedAt, 'ingest notes when the credential was used');
      assert.match(
        (await processMessage(t.ctx, processJob(envelope.recipients[0]!.messageId, 1))).reason,
        /Credential is configured to hold/,
      );
      await t.ctx.db
        .updateTable('servers')
        .set({ suspended_at: clock.now() })
        .where('id', '=', fixture.server.id)
        .execute();
      const other = await acceptOutgoing(t.ctx, fixture.server.id);
      await ingestAccepted(t.ctx, other);
      assert.match(
        (await processMessage(t.ctx, processJob(other.recipients[0]!.messageId, 1))).reason,
        /suspended/,
      );
      await t.ctx.db
        .updateTable('servers')
        .set({ suspended_at: null })
        .where('id', '=', fixture.server.id)
        .execute();
      await t.ctx.db.updateTable('credentials').set({ hold: 0 }).where('id', '=', credentialId).execute();
    });

    it('releases held mail in bulk by filter, and cancels holds that expire', async () => {
      const { dev, ids } = await heldInDevelopment('bulkorg', [
        'one@remote.test',
        'two@remote.test',
        'three@remote.test',
      ]);
      const released = await actOnMessages(t.ctx, dev.scope, { to: 'two@remote.test' }, 'release');
      assert.deepEqual(released, { matched: 1, changed: 1 });
      const jobs = await processJobs(t.ctx);
      assert.deepEqual(
        jobs.map((job) => [job.messageId, job.manual]),
        [[ids[1], true]],
      );
      clock.advance(7 * 24 * 60 * MINUTE + 1);
      assert.ok((await expireHolds(t.ctx, clock.now() + 10_000)) >= 3, 'earlier tests left held mail too');
      assert.deepEqual(
        (await Promise.all(ids.map(message))).map((row) => row.status),
        ['HoldCancelled', 'HoldCancelled', 'HoldCancelled'],
      );
      assert.equal(
        (await processMessage(t.ctx, jobs[0]!)).outcome,
        'skipped',
        'a cancelled hold is not sent after all',
      );
    });
  });
}
