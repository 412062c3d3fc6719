import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { deliverWebhookJob, type AttemptOutcome } from '../../../core/webhooks/deliver-webhook-job.ts';
import { CONNECTION_ERROR, TIMED_OUT } from '../../../core/webhooks/post-webhook.ts';
import { webhookEnvelope, type WebhookJob } from '../../../core/webhooks/webhook-job.ts';
import { ManualClock } from '../../fakes/manual-clock.ts';
import { ZoneDns } from '../../fakes/zone-dns.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { createTestContext, type TestContext } from '../../helpers/test-context.ts';
import { insertServer, insertWebhook, startReceiver, type Receiver } from '../../helpers/webhook-fixtures.ts';

const MINUTE = 60_000;

for (const dialect of DIALECTS) {
  describe(`${dialect}: delivering a webhook job`, () => {
    let t: TestContext;
    let receiver: Receiver;
    let serverId: number;
    const clock = new ManualClock();

    before(async () => {
      t = await createTestContext(dialect, { clock });
      receiver = await startReceiver();
      serverId = await insertServer(t.ctx, 'acme');
    });
    after(async () => {
      await receiver.close();
      await t.close();
    });
    beforeEach(() => receiver.reply({ status: 200, body: 'ok' }));

    const jobFor = (webhookId: number): WebhookJob => ({
      version: 1,
      webhookId,
      serverId,
      eventUuid: t.ctx.ids.uuid(),
      event: 'MessageSent',
      timestamp: clock.now() / 1000,
      payload: { status: 'Sent', details: 'accepted' },
    });
    const attemptsOf = (job: WebhookJob) =>
      t.ctx.db
        .selectFrom('webhook_requests')
        .selectAll()
        .where('event_uuid', '=', job.eventUuid)
        .orderBy('id')
        .execute();

    /** Runs attempts as the queue would, moving the clock by each delay, until one is final. */
    async function runUntilFinal(job: WebhookJob, options = {}) {
      const firstAttemptAt = clock.now();
      const delays: number[] = [];
      for (let number = 1; ; number += 1) {
        const outcome: AttemptOutcome = await deliverWebhookJob(
          t.ctx,
          job,
          { number, firstAttemptAt },
          options,
        );
        if (outcome.status !== 'retry') return { outcome, delays };
        delays.push(outcome.delaySeconds);
        clock.advance(outcome.delaySeconds * 1000);
      }
    }

    it('logs a delivered attempt and marks the webhook used', async () => {
      const webhookId = await insertWebhook(t.ctx, serverId, { url: receiver.url });
      const job = jobFor(webhookId);
      const { outcome, delays } = await runUntilFinal(job);
      assert.deepEqual(outcome, { status: 'delivered' });
      assert.deepEqual(delays, []);
      assert.equal(receiver.requests.at(-1)?.body.toString('utf8'), webhookEnvelope(job));
      const [row, ...rest] = await attemptsOf(job);
      assert.deepEqual(rest, []);
      assert.ok(row);
      assert.equal(row.server_id, serverId);
      assert.equal(row.webhook_id, webhookId);
      assert.equal(row.event, 'MessageSent');
      assert.equal(row.url, receiver.url);
      assert.equal(row.payload, webhookEnvelope(job));
      assert.equal(row.attempt, 1);
      assert.equal(row.status_code, 200);
      assert.equal(row.response_body, 'ok');
      assert.equal(row.error, null);
      assert.equal(row.will_retry, 0);
      assert.equal(Number(row.timestamp), clock.now());
      const webhook = await t.ctx.db
        .selectFrom('webhooks')
        .select('last_used_at')
        .where('id', '=', webhookId)
        .executeTakeFirstOrThrow();
      assert.equal(Number(webhook.last_used_at), clock.now());
    });

    it("retries on Postal's schedule, then hourly, and gives up a day after the first attempt", async () => {
      receiver.reply({ status: 500, body: 'broken' });
      const webhookId = await insertWebhook(t.ctx, serverId, { url: receiver.url });
      const job = jobFor(webhookId);
      const start = clock.now();
      const before = receiver.requests.length;
      const { outcome, delays } = await runUntilFinal(job);
      assert.deepEqual(outcome, { status: 'given_up' });
      assert.deepEqual(delays, [120, 180, 360, 600, 900, ...Array<number>(23).fill(3600)]);
      assert.ok(clock.now() - start <= 24 * 60 * MINUTE);
      assert.equal(receiver.requests.length - before, 29);
      const rows = await attemptsOf(job);
      assert.deepEqual(
        rows.map((row) => row.attempt),
        rows.map((_row, index) => index + 1),
      );
      assert.ok(rows.every((row) => row.status_code === 500 && row.response_body === 'broken'));
      assert.deepEqual(
        rows.map((row) => row.will_retry),
        [...Array<number>(28).fill(1), 0],
      );
      assert.ok(t.logger.has('warn', 'webhook failed; will retry', { attempt: 1, retryInSeconds: 120 }));
      assert.ok(t.logger.has('error', 'webhook failed; giving up', { attempt: 29, statusCode: 500 }));
      const webhook = await t.ctx.db
        .selectFrom('webhooks')
        .select('last_used_at')
        .where('id', '=', webhookId)
        .executeTakeFirstOrThrow();
      assert.equal(webhook.last_used_at, null);
    });

    it('stops retrying at the first 2xx', async () => {
      receiver.reply({ status: 500 }, { status: 503 }, { status: 201 });
      const job = jobFor(await insertWebhook(t.ctx, serverId, { url: receiver.url }));
      const { outcome, delays } = await runUntilFinal(job);
      assert.deepEqual(outcome, { status: 'delivered' });
      assert.deepEqual(delays, [120, 180]);
      const rows = await attemptsOf(job);
      assert.deepEqual(
        rows.map((row) => [row.attempt, row.status_code, row.will_retry]),
        [
          [1, 500, 1],
          [2, 503, 1],
          [3, 201, 0],
        ],
      );
    });

    it('retries timeouts and refused connections with their codes', async () => {
      receiver.reply('hang');
      const slow = jobFor(await insertWebhook(t.ctx, serverId, { url: receiver.url }));
      const timedOut = await deliverWebhookJob(
        t.ctx,
        slow,
        { number: 1, firstAttemptAt: clock.now() },
        { timeoutMs: 150 },
      );
      assert.deepEqual(timedOut, { status: 'retry', delaySeconds: 120 });
      const [slowRow] = await attemptsOf(slow);
      assert.equal(slowRow?.status_code, TIMED_OUT);
      assert.equal(slowRow?.error, 'Timed out after 0.15s');
      assert.equal(slowRow?.response_body, null);

      const port = await closedPort();
      const refused = jobFor(await insertWebhook(t.ctx, serverId, { url: `http://127.0.0.1:${port}/` }));
      const outcome = await deliverWebhookJob(t.ctx, refused, { number: 3, firstAttemptAt: clock.now() });
      assert.deepEqual(outcome, { status: 'retry', delaySeconds: 360 });
      const [refusedRow] = await attemptsOf(refused);
      assert.equal(refusedRow?.status_code, CONNECTION_ERROR);
      assert.match(refusedRow?.error ?? '', /ECONNREFUSED/);
      assert.equal(refusedRow?.will_retry, 1);
    });

    it('still delivers to a disabled webhook, and drops the jobs of a deleted one', async () => {
      const disabled = jobFor(await insertWebhook(t.ctx, serverId, { url: receiver.url, enabled: false }));
      assert.deepEqual(await runUntilFinal(disabled), { outcome: { status: 'delivered' }, delays: [] });

      const deletedId = await insertWebhook(t.ctx, serverId, { url: receiver.url });
      await t.ctx.db.deleteFrom('webhooks').where('id', '=', deletedId).execute();
      const before = receiver.requests.length;
      const deleted = jobFor(deletedId);
      const outcome = await deliverWebhookJob(t.ctx, deleted, { number: 1, firstAttemptAt: clock.now() });
      assert.deepEqual(outcome, { status: 'dropped', reason: 'webhook deleted' });
      assert.equal(receiver.requests.length, before);
      assert.deepEqual(await attemptsOf(deleted), []);

      const other = await insertServer(t.ctx, 'other');
      const foreign = { ...jobFor(await insertWebhook(t.ctx, other, { url: receiver.url })), serverId };
      const mismatch = await deliverWebhookJob(t.ctx, foreign, { number: 1, firstAttemptAt: clock.now() });
      assert.equal(mismatch.status, 'dropped');
    });

    it('keeps the basic-auth password out of the log', async () => {
      const url = `http://user:s3cret@127.0.0.1:${receiver.port}/hooks`;
      const job = jobFor(await insertWebhook(t.ctx, serverId, { url }));
      await runUntilFinal(job);
      const [row] = await attemptsOf(job);
      assert.equal(row?.url, `http://user:redacted@127.0.0.1:${receiver.port}/hooks`);
      assert.equal(receiver.requests.at(-1)?.headers.authorization, `Basic ${btoa('user:s3cret')}`);
    });

    it('refuses private targets when they are not allowed, and retries', async () => {
      t.ctx.allowPrivateTargets = false;
      t.ctx.dns = new ZoneDns({ 'hooks.example.com': { A: ['127.0.0.1'] } });
      try {
        const before = receiver.requests.length;
        const job = jobFor(
          await insertWebhook(t.ctx, serverId, { url: `http://hooks.example.com:${receiver.port}/hooks` }),
        );
        const outcome = await deliverWebhookJob(t.ctx, job, { number: 1, firstAttemptAt: clock.now() });
        assert.deepEqual(outcome, { status: 'retry', delaySeconds: 120 });
        assert.equal(receiver.requests.length, before);
        const [row] = await attemptsOf(job);
        assert.equal(row?.status_code, CONNECTION_ERROR);
        assert.equal(
          row?.error,
          'refused: hooks.example.com resolves to 127.0.0.1, not a public address (loopback)',
        );
      } finally {
        t.ctx.allowPrivateTargets = true;
        t.ctx.dns = new ZoneDns({});
      }
    });
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
