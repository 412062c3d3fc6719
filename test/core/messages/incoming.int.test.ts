import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { ingestAccepted } from '../../../core/messages/ingest.ts';
import { processMessage } from '../../../core/messages/process-message.ts';
import { processJob } from '../../../core/messages/process-job.ts';
import { recordResult } from '../../../core/delivery/record-result.ts';
import { actOnMessage } from '../../../core/messages/message-actions.ts';
import { preparedKey } from '../../../core/messages/prepare-message.ts';
import { createRoute } from '../../../core/routing/routes.ts';
import { CreateRouteInput } from '../../../core/routing/route-schemas.ts';
import { WebhookJob } from '../../../core/webhooks/webhook-job.ts';
import { dkimPublicKey } from '../../../core/domains/dkim-key.ts';
import { characterStrings, dkimRecordValue, dkimSelector } from '../../../core/domains/dns-records.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import type { TestContext } from '../../helpers/test-context.ts';
import {
  addWebhook,
  createServerFixture,
  serverOnManualClock,
  type ServerFixture,
} from '../../helpers/server-fixture.ts';
import type { ManualClock } from '../../fakes/manual-clock.ts';
import {
  acceptIncoming,
  acceptOutgoing,
  deliveryJobs,
  drain,
  processJobs,
  result,
} from './pipeline-helpers.ts';

// Incoming mail through the process stage: bounces linked to what they return (Postal §4.6),
// Development mode and suspension holding incoming mail as they hold outgoing mail (§4.4), the
// webhook events each of these tells; and the sending domain's own DKIM key and return path
// once their DNS records check out (§4.6, §6).

const dsn = (quoting: string) =>
  Buffer.from(
    [
      'From: Mail Delivery System <mailer-daemon@remote.test>',
      'To: someone',
      'Subject: Undelivered Mail Returned to Sender',
      'Content-Type: text/plain',
      '',
      'This is the mail system at host remote.test.',
      '',
      '--- original headers ---',
      quoting,
      'Subject: Hello there',
      '',
    ].join('\r\n'),
  );

for (const dialect of DIALECTS) {
  describe(`${dialect}: incoming mail, bounces and the sending domain's own identity`, () => {
    let t: TestContext;
    let clock: ManualClock;
    let fixture: ServerFixture;

    before(async () => {
      ({ t, clock, fixture } = await serverOnManualClock(dialect));
      await addWebhook(t.ctx, fixture, 'everything');
    });
    after(() => t.close());
    beforeEach(async () => {
      await processJobs(t.ctx);
      await deliveryJobs(t.ctx);
      await webhookJobs();
    });

    const message = (id: number) =>
      t.ctx.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const deliveries = (id: number) =>
      t.ctx.db.selectFrom('deliveries').selectAll().where('message_id', '=', id).orderBy('id').execute();
    const webhookJobs = () => drain(t.ctx, 'webhooks', (body) => WebhookJob.parse(body));

    /** Mail from someone@remote.test to `name`@example.com, through an Accept route: accepted and ingested. */
    async function routedMessage(server: ServerFixture, name: string): Promise<number> {
      const routeId = await acceptingRoute(server, name);
      const envelope = await acceptIncoming(
        t.ctx,
        server.server.id,
        { address: `${name}@example.com`, kind: 'incoming', routeId },
        dsn('From: someone@remote.test'),
        'someone@remote.test',
      );
      await ingestAccepted(t.ctx, envelope);
      await processJobs(t.ctx);
      return envelope.recipients[0]!.messageId;
    }

    /** An Accept route for `name`@example.com; its id. */
    async function acceptingRoute(server: ServerFixture, name: string): Promise<number> {
      const view = await createRoute(
        t.ctx,
        server.scope,
        CreateRouteInput.parse({ name, domain: 'example.com', mode: 'Accept' }),
      );
      const route = await t.ctx.db
        .selectFrom('routes')
        .select('id')
        .where('uuid', '=', view.uuid)
        .executeTakeFirstOrThrow();
      return route.id;
    }

    /** An outgoing message taken to Sent; its delivery job says its return path. */
    async function sentMessage() {
      const envelope = await acceptOutgoing(t.ctx, fixture.server.id);
      await ingestAccepted(t.ctx, envelope);
      const id = envelope.recipients[0]!.messageId;
      await processJobs(t.ctx);
      assert.equal((await processMessage(t.ctx, processJob(id, 1))).outcome, 'queued');
      const [job] = await deliveryJobs(t.ctx);
      assert.ok(job);
      await recordResult(t.ctx, result(job, 'Sent', clock.now()));
      await webhookJobs();
      return { id, job, row: await message(id) };
    }

    async function processBounce(returnPath: string, raw: Buffer) {
      const envelope = await acceptIncoming(
        t.ctx,
        fixture.server.id,
        { address: returnPath, kind: 'bounce', routeId: null },
        raw,
      );
      await ingestAccepted(t.ctx, envelope);
      await processJobs(t.ctx);
      const id = envelope.recipients[0]!.messageId;
      return { id, outcome: await processMessage(t.ctx, processJob(id, 1)) };
    }

    it('links a bounce sent to the return path: the original is Bounced, the bounce Processed, MessageBounced told', async () => {
      const original = await sentMessage();
      const bounce = await processBounce(original.job.mailFrom, dsn('From: App <app@example.com>'));
      assert.deepEqual(bounce.outcome, { outcome: 'processed', reason: `linked to message ${original.id}` });
      const bounceRow = await message(bounce.id);
      assert.deepEqual(
        [bounceRow.status, bounceRow.bounce, bounceRow.bounce_for_id],
        ['Processed', 1, original.id],
      );
      assert.equal((await message(original.id)).status, 'Bounced');
      assert.deepEqual(
        (await deliveries(original.id)).map((d) => [d.status, d.details]),
        [
          ['Sent', 'Sent by test'],
          ['Bounced', `See <msg:${bounce.id}>`],
        ],
      );
      const events = await webhookJobs();
      assert.deepEqual(
        events.map((job) => job.event),
        ['MessageBounced'],
      );
      const payload = events[0]!.payload as {
        original_message: { id: number; token: string };
        bounce: { id: number; direction: string };
      };
      assert.deepEqual(
        [
          payload.original_message.id,
          payload.original_message.token,
          payload.bounce.id,
          payload.bounce.direction,
        ],
        [original.id, original.row.token, bounce.id, 'incoming'],
      );
      assert.equal(
        (await processMessage(t.ctx, processJob(bounce.id, 1))).outcome,
        'skipped',
        'a repeated job links once',
      );
      assert.equal((await webhookJobs()).length, 0);
    });

    it('links a bounce by the X-Postal-MsgID it quotes when the return path carries no valid MAC', async () => {
      const original = await sentMessage();
      const forged = original.job.mailFrom.replace(/\.[0-9a-f]{10}@/, '.0123456789@');
      assert.notEqual(forged, original.job.mailFrom);
      const bounce = await processBounce(forged, dsn(`X-Postal-MsgID: ${original.row.token}`));
      assert.deepEqual(bounce.outcome, { outcome: 'processed', reason: `linked to message ${original.id}` });
      assert.equal((await message(original.id)).status, 'Bounced');
    });

    it('fails a bounce it cannot link, telling MessageDeliveryFailed', async () => {
      const original = await sentMessage();
      const forged = original.job.mailFrom.replace(/\.[0-9a-f]{10}@/, '.0123456789@');
      const bounce = await processBounce(forged, dsn('X-Postal-MsgID: NoSuchToken0000'));
      assert.equal(bounce.outcome.outcome, 'failed');
      assert.equal((await message(bounce.id)).status, 'HardFail');
      assert.equal((await message(original.id)).status, 'Sent', 'the original is untouched');
      const events = await webhookJobs();
      assert.deepEqual(
        events.map((job) => [job.event, (job.payload as { message: { id: number } }).message.id]),
        [['MessageDeliveryFailed', bounce.id]],
      );
    });

    it('holds incoming mail of a Development-mode server, telling MessageHeld; a release takes it to its route', async () => {
      const dev = await createServerFixture(t.ctx, { permalink: 'devin', mode: 'Development' });
      await addWebhook(t.ctx, dev, 'held', ['MessageHeld']);
      const id = await routedMessage(dev, 'support');
      assert.deepEqual(await processMessage(t.ctx, processJob(id, 1)), {
        outcome: 'held',
        reason: 'Server is in development mode.',
      });
      assert.deepEqual(
        (await webhookJobs()).map((job) => [job.event, (job.payload as { status: string }).status]),
        [['MessageHeld', 'Held']],
      );
      await actOnMessage(t.ctx, dev.scope, id, 'release');
      const [release] = await processJobs(t.ctx);
      assert.deepEqual(await processMessage(t.ctx, release!), {
        outcome: 'processed',
        reason: 'Accepted by route support',
      });
      assert.equal((await message(id)).status, 'Processed');
    });

    it('holds incoming mail of a suspended server', async () => {
      await t.ctx.db
        .updateTable('servers')
        .set({ suspended_at: clock.now() })
        .where('id', '=', fixture.server.id)
        .execute();
      try {
        const outcome = await processMessage(t.ctx, processJob(await routedMessage(fixture, 'sales'), 1));
        assert.equal(outcome.outcome, 'held');
        assert.match(outcome.reason, /^Mail server has been suspended/);
      } finally {
        await t.ctx.db
          .updateTable('servers')
          .set({ suspended_at: null })
          .where('id', '=', fixture.server.id)
          .execute();
      }
    });

    it("signs with the domain's own key and returns to psrp.<domain> once their DNS records check out", async () => {
      await t.ctx.db
        .updateTable('domains')
        .set({ dkim_status: 'OK', return_path_status: 'OK' })
        .where('server_id', '=', fixture.server.id)
        .where('name', '=', 'example.com')
        .execute();
      const { id, job } = await sentMessage();
      assert.match(
        job.mailFrom,
        new RegExp(`^${fixture.server.token}\\+${id}\\.[0-9a-f]{10}@psrp\\.example\\.com$`),
      );

      const domain = await t.ctx.db
        .selectFrom('domains')
        .selectAll()
        .where('server_id', '=', fixture.server.id)
        .where('name', '=', 'example.com')
        .executeTakeFirstOrThrow();
      const record = characterStrings(
        dkimRecordValue(dkimPublicKey(await t.ctx.keys.decrypt(domain.dkim_private_key))),
      );
      const recordName = `${dkimSelector(t.ctx.installation, domain.dkim_identifier_string)}._domainkey.example.com`;
      const prepared = await t.ctx.blobs.get(preparedKey(id));
      assert.ok(prepared && prepared !== 'not-modified');
      const verdict = await dkimVerify(Buffer.from(prepared.body), {
        strict: true,
        resolver: async (name: string, type: string) => {
          if (type === 'TXT' && name.toLowerCase() === recordName) return [record];
          throw Object.assign(new Error(`${name} ${type}: not found`), { code: 'ENOTFOUND' });
        },
      });
      assert.deepEqual(
        verdict.results.map((r) => [r.status.result, r.signingDomain]),
        [['pass', 'example.com']],
      );
      // A bounce to that return path links as well.
      const bounce = await processBounce(job.mailFrom, dsn('From: App <app@example.com>'));
      assert.equal(bounce.outcome.outcome, 'processed');
    });
  });
}
