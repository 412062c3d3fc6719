import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { notifySendLimits } from '../../../core/servers/send-limit-notifications.ts';
import { incrementLiveStats } from '../../../core/stats/message-stats.ts';
import { WebhookJob } from '../../../core/webhooks/webhook-job.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import type { TestContext } from '../../helpers/test-context.ts';
import { addWebhook, serverOnManualClock, type ServerFixture } from '../../helpers/server-fixture.ts';
import type { ManualClock } from '../../fakes/manual-clock.ts';
import { drain } from '../messages/pipeline-helpers.ts';

// Postal's every-minute task (reference/postal.md §3.1): SendLimitApproaching and
// SendLimitExceeded for a server whose state was set in the last 3 minutes and that was not told
// in the last hour, only to webhooks with all events (the two cannot be selected).

const MINUTE = 60_000;

for (const dialect of DIALECTS) {
  describe(`${dialect}: send limit notifications`, () => {
    let t: TestContext;
    let clock: ManualClock;
    let fixture: ServerFixture;

    before(async () => {
      ({ t, clock, fixture } = await serverOnManualClock(dialect));
      await addWebhook(t.ctx, fixture, 'all');
      await addWebhook(t.ctx, fixture, 'listed', ['MessageSent', 'MessageHeld', 'MessageDeliveryFailed']);
      await t.ctx.db
        .updateTable('servers')
        .set({ send_limit: 100 })
        .where('id', '=', fixture.server.id)
        .execute();
      for (let n = 0; n < 93; n += 1) {
        await incrementLiveStats(t.ctx.db, t.ctx.dialect, fixture.server.id, 'outgoing', clock.now());
      }
    });
    after(() => t.close());
    beforeEach(() => webhookJobs());

    const webhookJobs = () => drain(t.ctx, 'webhooks', (body) => WebhookJob.parse(body));
    const mark = (set: { send_limit_approaching_at?: number; send_limit_exceeded_at?: number }) =>
      t.ctx.db.updateTable('servers').set(set).where('id', '=', fixture.server.id).execute();

    it('tells all-events webhooks of a recent approach, with the volume and the limit, once an hour', async () => {
      await mark({ send_limit_approaching_at: clock.now() - 2 * MINUTE });
      assert.equal(await notifySendLimits(t.ctx), 1);
      const jobs = await webhookJobs();
      assert.equal(jobs.length, 1, 'not to the webhook that lists its events');
      assert.equal(jobs[0]?.event, 'SendLimitApproaching');
      assert.deepEqual(jobs[0]?.payload, {
        server: {
          uuid: fixture.server.uuid,
          name: 'Main',
          permalink: 'main',
          organization: 'acme',
        },
        volume: 93,
        limit: 100,
      });
      clock.advance(MINUTE);
      await mark({ send_limit_approaching_at: clock.now() });
      assert.equal(await notifySendLimits(t.ctx), 0, 'told less than an hour ago');
      clock.advance(61 * MINUTE);
      await mark({ send_limit_approaching_at: clock.now() });
      assert.equal(await notifySendLimits(t.ctx), 1, 'told again after an hour');
      assert.equal((await webhookJobs()).length, 1);
    });

    it('tells of an exceeded limit, and says nothing of a state older than 3 minutes', async () => {
      await mark({ send_limit_exceeded_at: clock.now() - 4 * MINUTE });
      assert.equal(await notifySendLimits(t.ctx), 0);
      await mark({ send_limit_exceeded_at: clock.now() });
      assert.equal(await notifySendLimits(t.ctx), 1);
      assert.deepEqual(
        (await webhookJobs()).map((job) => job.event),
        ['SendLimitExceeded'],
      );
    });
  });
}
