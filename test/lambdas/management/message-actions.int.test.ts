import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ingestAccepted } from '../../../core/messages/ingest.ts';
import { processMessage } from '../../../core/messages/process-message.ts';
import { processJob } from '../../../core/messages/process-job.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { createTestContext, type TestContext } from '../../helpers/test-context.ts';
import { createServerFixture, type ServerFixture } from '../../helpers/server-fixture.ts';
import { managementClient, type ManagementClient } from '../../helpers/management-client.ts';
import { acceptOutgoing, processJobs } from '../../core/messages/pipeline-helpers.ts';

// The message actions over HTTP: one message and in bulk, with a JSON filter, and the answers a
// client gets when an action does not apply.

const MESSAGES = '/management/v1/organizations/acme/servers/main/messages';

for (const dialect of DIALECTS) {
  describe(`${dialect}: message actions API`, () => {
    let t: TestContext;
    let api: ManagementClient;
    let fixture: ServerFixture;
    let member: string;
    const ids: number[] = [];

    before(async () => {
      t = await createTestContext(dialect);
      fixture = await createServerFixture(t.ctx, { mode: 'Development' });
      api = managementClient(t.ctx);
      member = await api.userToken('member@acme.test', { organizations: ['acme'] });
      for (const to of ['one@remote.test', 'two@remote.test', 'three@remote.test']) {
        const envelope = await acceptOutgoing(t.ctx, fixture.server.id, { to: [to] });
        await ingestAccepted(t.ctx, envelope);
        ids.push(envelope.recipients[0]!.messageId);
      }
      await processJobs(t.ctx);
      for (const id of ids) await processMessage(t.ctx, processJob(id, 1));
    });
    after(() => t.close());

    const post = (path: string, body?: unknown) =>
      api.request('POST', `${MESSAGES}${path}`, { token: member, ...(body === undefined ? {} : { body }) });

    it('releases one held message, and answers 409 once it is no longer held', async () => {
      const released = await post(`/${ids[0]}/release`);
      assert.equal(released.status, 200);
      assert.equal(released.body.id, ids[0]);
      const jobs = await processJobs(t.ctx);
      assert.deepEqual(
        jobs.map((job) => [job.messageId, job.manual, job.intent]),
        [[ids[0], true, 'release']],
      );
      await processMessage(t.ctx, jobs[0]!);
      const again = await post(`/${ids[0]}/release`);
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'conflict');
    });

    it('cancels holds in bulk by a JSON filter, held as a boolean or as the query string says it', async () => {
      const one = await post('/cancel-hold', { to: 'two@remote.test', held: true });
      assert.equal(one.status, 200, JSON.stringify(one.body));
      assert.deepEqual(one.body, { matched: 1, changed: 1 });
      const rest = await post('/cancel-hold', { held: 'true' });
      assert.deepEqual(rest.body, { matched: 1, changed: 1 });
      const listed = await api.request('GET', `${MESSAGES}?status=HoldCancelled`, { token: member });
      assert.deepEqual(
        listed.body.data.map((message: { id: number }) => message.id).sort(),
        [ids[1], ids[2]].sort(),
      );
    });

    it('sends again in bulk only by a status, so an empty filter resends nothing', async () => {
      const refused = await post('/retry', {});
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error.code, 'invalid_request');
      assert.equal(refused.body.error.details[0].field, 'status');
      assert.equal((await processJobs(t.ctx)).length, 0);
      const resent = await post('/retry', { status: 'HoldCancelled' });
      assert.deepEqual(resent.body, { matched: 2, changed: 2 });
      assert.equal((await processJobs(t.ctx)).length, 2);
    });

    it('refuses an unknown filter field and a message of another server', async () => {
      const unknown = await post('/release', { colour: 'red' });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.details[0].field, 'colour');
      const missing = await post('/999999999/release');
      assert.equal(missing.status, 404);
    });
  });
}
