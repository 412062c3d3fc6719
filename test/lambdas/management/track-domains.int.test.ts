import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Dns } from '../../../core/ports.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { createTestContext, type TestContext } from '../../helpers/test-context.ts';
import { managementClient, type ManagementClient } from '../../helpers/management-client.ts';
import { ZoneDns } from '../../fakes/zone-dns.ts';

const ORG = '/management/v1/organizations/acme';
const SERVER = `${ORG}/servers/main`;

/** The test context's Dns, with answers that can be replaced between requests. */
class SwitchableDns implements Dns {
  current: Dns = new ZoneDns({});
  use(dns: Dns): void {
    this.current = dns;
  }
  mx = (name: string) => this.current.mx(name);
  txt = (name: string) => this.current.txt(name);
  a = (name: string) => this.current.a(name);
  aaaa = (name: string) => this.current.aaaa(name);
  cname = (name: string) => this.current.cname(name);
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: track domains API`, () => {
    let t: TestContext;
    let api: ManagementClient;
    const dns = new SwitchableDns();
    let admin: string;
    let member: string;
    let outsider: string;
    let sharedUuid: string;

    before(async () => {
      t = await createTestContext(dialect, { dns });
      api = managementClient(t.ctx);
      admin = await api.userToken('admin@acme.test', { admin: true });
      for (const [name, permalink] of [
        ['Acme', 'acme'],
        ['Other', 'other'],
      ]) {
        await api.request('POST', '/management/v1/organizations', {
          body: { name, permalink },
          token: admin,
        });
      }
      for (const name of ['Main', 'Second']) {
        await api.request('POST', `${ORG}/servers`, { body: { name }, token: admin });
      }
      member = await api.userToken('member@acme.test', { organizations: ['acme'] });
      outsider = await api.userToken('member@other.test', { organizations: ['other'] });
      await api.request('POST', `${SERVER}/domains`, { body: { name: 'example.com' }, token: admin });
      await api.request('POST', `${SERVER}/domains`, { body: { name: 'pending.example' }, token: member });
      await api.request('POST', `${ORG}/servers/second/domains`, {
        body: { name: 'second.example' },
        token: admin,
      });
      const shared = await api.request('POST', `${ORG}/domains`, {
        body: { name: 'shared.example' },
        token: admin,
      });
      sharedUuid = shared.body.uuid;
      dns.use(
        new ZoneDns({
          'track.example.com': { CNAME: ['track.postern.test'] },
          'clicks.shared.example': { CNAME: ['wrong.example'] },
        }),
      );
    });
    after(() => t.close());

    let trackUuid: string;

    it('creates a track domain with defaults and checks its CNAME at once', async () => {
      const created = await api.request('POST', `${SERVER}/track-domains`, {
        body: { domain: 'EXAMPLE.com' },
        token: member,
      });
      assert.equal(created.status, 201);
      trackUuid = created.body.uuid;
      assert.equal(created.body.name, 'track');
      assert.equal(created.body.domain, 'example.com');
      assert.equal(created.body.host, 'track.example.com');
      assert.deepEqual(created.body.dns_record, {
        type: 'CNAME',
        name: 'track.example.com',
        value: 'track.postern.test',
      });
      assert.equal(created.body.dns_status, 'OK');
      assert.equal(created.body.dns_error, null);
      assert.ok(created.body.dns_checked_at);
      assert.equal(created.body.ssl_enabled, true);
      assert.equal(created.body.track_clicks, true);
      assert.equal(created.body.track_loads, true);
      assert.deepEqual(created.body.excluded_click_domains, []);
    });

    it("takes an organization's domain by uuid and stores an Invalid CNAME with the reason", async () => {
      const created = await api.request('POST', `${SERVER}/track-domains`, {
        body: {
          domain: sharedUuid,
          name: 'clicks',
          ssl_enabled: false,
          excluded_click_domains: ['Docs.Example.com'],
        },
        token: member,
      });
      assert.equal(created.status, 201);
      assert.equal(created.body.host, 'clicks.shared.example');
      assert.equal(created.body.domain_uuid, sharedUuid);
      assert.equal(created.body.dns_status, 'Invalid');
      assert.equal(
        created.body.dns_error,
        'Expected the CNAME record at clicks.shared.example to point to track.postern.test, found wrong.example',
      );
      assert.deepEqual(created.body.excluded_click_domains, ['docs.example.com']);
      const onSecond = await api.request('POST', `${ORG}/servers/second/track-domains`, {
        body: { domain: 'shared.example', name: 'links' },
        token: member,
      });
      assert.equal(onSecond.status, 201);
      assert.equal(onSecond.body.dns_status, 'Missing');
      assert.equal(onSecond.body.dns_error, 'No CNAME record exists at links.shared.example');
    });

    it('allows one track domain per domain per server', async () => {
      const again = await api.request('POST', `${SERVER}/track-domains`, {
        body: { domain: 'example.com', name: 'other' },
        token: member,
      });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.details[0].field, 'domain');
    });

    it('refuses domains the server may not use and bad input, naming the field', async () => {
      const cases: [unknown, string][] = [
        [{ domain: 'pending.example' }, 'domain'],
        [{ domain: 'second.example' }, 'domain'],
        [{ domain: 'nowhere.example' }, 'domain'],
        [{}, 'domain'],
        [{ domain: 'example.com', name: 'a.b' }, 'name'],
        [{ domain: 'example.com', track_clicks: 'yes' }, 'track_clicks'],
        [{ domain: 'example.com', excluded_click_domains: ['not a host'] }, 'excluded_click_domains.0'],
        [{ domain: 'example.com', colour: 'red' }, 'colour'],
      ];
      for (const [body, field] of cases) {
        const response = await api.request('POST', `${SERVER}/track-domains`, { body, token: member });
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(response.body.error.details[0].field, field, JSON.stringify(body));
      }
    });

    it('updates what is tracked but not the host', async () => {
      const updated = await api.request('PATCH', `${SERVER}/track-domains/${trackUuid}`, {
        body: { track_loads: false, excluded_click_domains: ['a.example', 'B.example'] },
        token: member,
      });
      assert.equal(updated.status, 200);
      assert.equal(updated.body.track_loads, false);
      assert.equal(updated.body.track_clicks, true);
      assert.deepEqual(updated.body.excluded_click_domains, ['a.example', 'b.example']);
      const rename = await api.request('PATCH', `${SERVER}/track-domains/${trackUuid}`, {
        body: { name: 'other' },
        token: member,
      });
      assert.equal(rename.status, 400);
      assert.equal(rename.body.error.details[0].field, 'name');
    });

    it('re-checks the CNAME, storing a failed lookup as status null with the reason', async () => {
      const list = await api.request('GET', `${SERVER}/track-domains`, { token: member });
      const clicks = list.body.data.find((d: { host: string }) => d.host === 'clicks.shared.example');
      assert.equal(list.body.data.length, 2);
      dns.use(new ZoneDns({ 'clicks.shared.example': { CNAME: ['TRACK.postern.test.'] } }));
      const fixed = await api.request('POST', `${SERVER}/track-domains/${clicks.uuid}/check`, {
        token: member,
      });
      assert.equal(fixed.status, 200);
      assert.equal(fixed.body.dns_status, 'OK');
      assert.equal(fixed.body.dns_error, null);

      dns.use({
        mx: async () => [],
        txt: async () => [],
        a: async () => [],
        aaaa: async () => [],
        cname: async (name) => {
          throw new Error(`queryCname ESERVFAIL ${name}`);
        },
      });
      const failed = await api.request('POST', `${SERVER}/track-domains/${clicks.uuid}/check`, {
        token: member,
      });
      assert.equal(failed.status, 200);
      assert.equal(failed.body.dns_status, null);
      assert.equal(
        failed.body.dns_error,
        'Could not look up the CNAME records of clicks.shared.example: queryCname ESERVFAIL clicks.shared.example',
      );
    });

    it("hides another organization's track domains and unknown ones", async () => {
      for (const [method, path] of [
        ['GET', `${SERVER}/track-domains`],
        ['GET', `${SERVER}/track-domains/${trackUuid}`],
        ['POST', `${SERVER}/track-domains/${trackUuid}/check`],
        ['DELETE', `${SERVER}/track-domains/${trackUuid}`],
      ] as const) {
        assert.equal((await api.request(method, path, { token: outsider })).status, 404, `${method} ${path}`);
      }
      const unknown = await api.request('GET', `${SERVER}/track-domains/not-a-uuid`, { token: member });
      assert.equal(unknown.status, 404);
      const onOtherServer = await api.request('GET', `${ORG}/servers/second/track-domains/${trackUuid}`, {
        token: member,
      });
      assert.equal(onOtherServer.status, 404);
    });

    it('deletes a track domain', async () => {
      const removed = await api.request('DELETE', `${SERVER}/track-domains/${trackUuid}`, { token: member });
      assert.equal(removed.status, 204);
      assert.equal(
        (await api.request('GET', `${SERVER}/track-domains/${trackUuid}`, { token: member })).status,
        404,
      );
      const again = await api.request('POST', `${SERVER}/track-domains`, {
        body: { domain: 'example.com' },
        token: member,
      });
      assert.equal(again.status, 201);
    });
  });
}
