import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../helpers/databases.ts';
import type { ApiResponse } from '../../helpers/management-client.ts';
import { ACME, OTHER, routingFixture, type RoutingFixture } from './routing-fixture.ts';

for (const dialect of DIALECTS) {
  describe(`${dialect}: webhooks API`, () => {
    let f: RoutingFixture;
    let strict: RoutingFixture;

    const call = (method: string, path: string, body?: unknown, token?: string): Promise<ApiResponse> =>
      f.api.request(method, path, { body, token: token ?? f.member });
    const storedEvents = async (uuid: string) => {
      const rows = await f.t.ctx.db
        .selectFrom('webhook_events')
        .innerJoin('webhooks', 'webhooks.id', 'webhook_events.webhook_id')
        .select('webhook_events.event')
        .where('webhooks.uuid', '=', uuid)
        .orderBy('webhook_events.event')
        .execute();
      return rows.map((row) => row.event);
    };

    before(async () => {
      f = await routingFixture(dialect);
      strict = await routingFixture(dialect, { allowPrivateTargets: false });
    });
    after(async () => {
      await f.t.close();
      await strict.t.close();
    });

    it('creates a webhook for all events by default', async () => {
      const created = await call('POST', `${ACME}/webhooks`, {
        name: 'app',
        url: 'https://app.example.com/hooks',
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.enabled, true);
      assert.equal(created.body.all_events, true);
      assert.deepEqual(created.body.events, []);
      assert.equal(created.body.last_used_at, null);
      assert.deepEqual((await call('GET', `${ACME}/webhooks/${created.body.uuid}`)).body, created.body);
    });

    it('subscribes to chosen events, changes them and deletes the webhook', async () => {
      const created = await call('POST', `${ACME}/webhooks`, {
        name: 'bounces',
        url: 'http://user:pw@hooks.example.com/postern',
        all_events: false,
        events: ['MessageBounced', 'MessageSent', 'MessageBounced'],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.deepEqual(created.body.events, ['MessageSent', 'MessageBounced']);
      assert.deepEqual(await storedEvents(created.body.uuid), ['MessageBounced', 'MessageSent']);
      const path = `${ACME}/webhooks/${created.body.uuid}`;
      const changed = await call('PATCH', path, { events: ['DomainDNSError'], enabled: false, name: 'dns' });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      assert.deepEqual(changed.body.events, ['DomainDNSError']);
      assert.equal(changed.body.enabled, false);
      assert.equal(changed.body.name, 'dns');
      const all = await call('PATCH', path, { all_events: true });
      assert.equal(all.body.all_events, true);
      assert.deepEqual(all.body.events, []);
      assert.deepEqual(await storedEvents(created.body.uuid), []);
      const chosen = await call('PATCH', path, {
        all_events: false,
        events: ['MessageLoaded', 'MessageLinkClicked'],
      });
      assert.deepEqual(chosen.body.events, ['MessageLinkClicked', 'MessageLoaded']);
      const listed = await call('GET', `${ACME}/webhooks`);
      const item = listed.body.data.find((webhook: { uuid: string }) => webhook.uuid === created.body.uuid);
      assert.deepEqual(item.events, ['MessageLinkClicked', 'MessageLoaded']);
      assert.equal((await call('DELETE', path)).status, 204);
      assert.equal((await call('GET', path)).status, 404);
      const orphans = await f.t.ctx.db.selectFrom('webhook_events').select('event').execute();
      assert.deepEqual(orphans, []);
    });

    it('refuses bad input with a 400 naming the field', async () => {
      const url = 'https://app.example.com/hooks';
      const cases: [unknown, string][] = [
        [{ url }, 'name'],
        [{ name: 'x' }, 'url'],
        [{ name: 'x', url: 'ftp://example.com/' }, 'url'],
        [{ name: 'x', url: 'example.com' }, 'url'],
        [{ name: 'x', url, enabled: 'true' }, 'enabled'],
        [{ name: 'x', url, all_events: false, events: ['MessageOpened'] }, 'events.0'],
        [{ name: 'x', url, all_events: false, events: 'MessageSent' }, 'events'],
        [{ name: 'x', url, all_events: false, events: ['SendLimitExceeded'] }, 'events.0'],
        [{ name: 'x', url, events: ['MessageSent'] }, 'events'],
        [{ name: 'x', url, sign: true }, 'sign'],
      ];
      for (const [body, field] of cases) {
        const response = await call('POST', `${ACME}/webhooks`, body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(response.body.error.code, 'invalid_request');
        assert.equal(response.body.error.details[0].field, field, JSON.stringify(body));
      }
      const created = await call('POST', `${ACME}/webhooks`, { name: 'x', url });
      const patch = await call('PATCH', `${ACME}/webhooks/${created.body.uuid}`, { events: ['MessageSent'] });
      assert.equal(patch.status, 400);
      assert.equal(patch.body.error.details[0].field, 'events');
    });

    it('refuses private targets when the installation does not allow them', async () => {
      const post = (url: string) =>
        strict.api.request('POST', `${ACME}/webhooks`, { body: { name: 'x', url }, token: strict.member });
      for (const url of [
        'http://127.0.0.1:9000/',
        'http://localhost/',
        'http://[fe80::1]/',
        'http://192.168.0.2/',
      ]) {
        const response = await post(url);
        assert.equal(response.status, 400, url);
        assert.equal(response.body.error.details[0].field, 'url');
      }
      assert.equal((await post('https://hooks.example.com/')).status, 201);
      const local = await call('POST', `${ACME}/webhooks`, { name: 'dev', url: 'http://127.0.0.1:9000/' });
      assert.equal(local.status, 201);
    });

    it("hides another organization's webhooks", async () => {
      const created = await call('POST', `${ACME}/webhooks`, { name: 'mine', url: 'https://a.example.com/' });
      assert.equal((await call('GET', `${ACME}/webhooks`, undefined, f.outsider)).status, 404);
      assert.equal(
        (await call('GET', `${ACME}/webhooks/${created.body.uuid}`, undefined, f.outsider)).status,
        404,
      );
      assert.equal(
        (await call('DELETE', `${OTHER}/webhooks/${created.body.uuid}`, undefined, f.outsider)).status,
        404,
      );
      assert.equal((await call('GET', `${ACME}/webhooks/${created.body.uuid}`)).status, 200);
    });
  });
}
