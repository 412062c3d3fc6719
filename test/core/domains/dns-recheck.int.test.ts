import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { recheckDomains } from '../../../core/domains/dns-recheck.ts';
import { WebhookJob } from '../../../core/webhooks/webhook-job.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import type { TestContext } from '../../helpers/test-context.ts';
import { serverOnManualClock, type ServerFixture } from '../../helpers/server-fixture.ts';
import type { ManualClock } from '../../fakes/manual-clock.ts';
import { drain } from '../messages/pipeline-helpers.ts';

const HOUR = 3_600_000;

for (const dialect of DIALECTS) {
  describe(`${dialect}: the hourly DNS re-check`, () => {
    let t: TestContext;
    let clock: ManualClock;
    let fixture: ServerFixture;

    before(async () => {
      ({ t, clock, fixture } = await serverOnManualClock(dialect));
      await t.ctx.db
        .insertInto('webhooks')
        .values({
          uuid: t.ctx.ids.uuid(),
          server_id: fixture.server.id,
          name: 'all',
          url: 'https://hooks.example/all',
          enabled: 1,
          all_events: 1,
          last_used_at: null,
          created_at: 0,
          updated_at: 0,
        })
        .execute();
    });
    after(() => t.close());

    it('re-checks domains checked more than an hour ago and reports failing ones with DomainDNSError', async () => {
      assert.equal(await recheckDomains(t.ctx, clock.now() + 10_000), 0, 'never checked: left to people');
      await t.ctx.db
        .updateTable('domains')
        .set({ dns_checked_at: clock.now() - 30 * 60_000 })
        .execute();
      assert.equal(await recheckDomains(t.ctx, clock.now() + 10_000), 0, 'checked within the hour');
      clock.advance(HOUR);
      assert.equal(await recheckDomains(t.ctx, clock.now() + 10_000), 1);
      const domain = await t.ctx.db.selectFrom('domains').selectAll().executeTakeFirstOrThrow();
      assert.equal(domain.spf_status, 'Missing');
      assert.equal(domain.dkim_status, 'Missing');
      assert.equal(domain.dns_checked_at, clock.now());
      const jobs = await drain(t.ctx, 'webhooks', (body) => WebhookJob.parse(body));
      assert.equal(jobs.length, 1);
      assert.equal(jobs[0]?.event, 'DomainDNSError');
      assert.equal(jobs[0]?.payload.domain, 'example.com');
      assert.equal(jobs[0]?.payload.spf_status, 'Missing');
    });
  });
}
