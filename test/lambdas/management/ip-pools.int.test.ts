import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { syncIpPools } from '../../../core/ip-pools/ip-pool-sync.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { createTestContext, type TestContext } from '../../helpers/test-context.ts';
import { managementClient, type ManagementClient } from '../../helpers/management-client.ts';

const V1 = '/management/v1';
const ACME = `${V1}/organizations/acme`;
const MAIN = `${ACME}/servers/main`;
const MISSING = '00000000-0000-4000-8000-000000000000';

for (const dialect of DIALECTS) {
  describe(`${dialect}: IP pools and rules API`, () => {
    let t: TestContext;
    let api: ManagementClient;
    let admin: string;
    let member: string;
    let outsider: string;
    const pool: Record<'default' | 'bulk', string> = { default: '', bulk: '' };

    before(async () => {
      t = await createTestContext(dialect);
      api = managementClient(t.ctx);
      await syncIpPools(t.ctx, [
        { name: 'default', default: true, addresses: [{ ipv4: '127.0.0.1', hostname: 'postern.test' }] },
        {
          name: 'bulk',
          default: false,
          addresses: [
            { ipv4: '192.0.2.20', ipv6: '2001:db8::20', hostname: 'bulk.postern.test', priority: 60 },
          ],
        },
      ]);
      for (const row of await t.ctx.db.selectFrom('ip_pools').select(['name', 'uuid']).execute()) {
        pool[row.name as keyof typeof pool] = row.uuid;
      }
      admin = await api.userToken('admin@acme.test', { admin: true });
      for (const name of ['Acme', 'Other']) {
        await api.request('POST', `${V1}/organizations`, {
          body: { name, permalink: name.toLowerCase() },
          token: admin,
        });
      }
      await api.request('POST', `${ACME}/servers`, { body: { name: 'Main' }, token: admin });
      member = await api.userToken('member@acme.test', { organizations: ['acme'] });
      outsider = await api.userToken('member@other.test', { organizations: ['other'] });
    });
    after(() => t.close());

    const poolNames = (body: { data: { name: string }[] }) => body.data.map((p) => p.name).sort();

    it('shows every pool and its addresses to administrators only', async () => {
      const listed = await api.request('GET', `${V1}/ip-pools`, { token: admin });
      assert.equal(listed.status, 200);
      assert.deepEqual(poolNames(listed.body), ['bulk', 'default']);
      const bulk = await api.request('GET', `${V1}/ip-pools/${pool.bulk}`, { token: admin });
      assert.equal(bulk.body.default, false);
      assert.deepEqual(bulk.body.addresses, [
        { ipv4: '192.0.2.20', ipv6: '2001:db8::20', hostname: 'bulk.postern.test', priority: 60 },
      ]);
      assert.equal((await api.request('GET', `${V1}/ip-pools/${MISSING}`, { token: admin })).status, 404);
      for (const path of [`${V1}/ip-pools`, `${V1}/ip-pools/${pool.bulk}`]) {
        const denied = await api.request('GET', path, { token: member });
        assert.equal(denied.status, 403, path);
        assert.equal(denied.body.error.code, 'forbidden');
      }
    });

    it("shows members their organization's pools only: new organizations get the default pools", async () => {
      const own = await api.request('GET', `${ACME}/ip-pools`, { token: member });
      assert.equal(own.status, 200);
      assert.deepEqual(poolNames(own.body), ['default']);
      assert.equal((await api.request('GET', `${ACME}/ip-pools`, { token: outsider })).status, 404);
      const server = await api.request('GET', MAIN, { token: member });
      assert.equal(server.body.ip_pool, pool.default);
    });

    it('lets only administrators assign pools, with every bad input a 400 naming the field', async () => {
      const denied = await api.request('PUT', `${ACME}/ip-pools`, {
        body: { pools: [pool.bulk] },
        token: member,
      });
      assert.equal(denied.status, 403);
      const cases: [unknown, string][] = [
        [{ pools: [MISSING] }, 'pools.0'],
        [{ pools: [pool.default, pool.default, MISSING] }, 'pools.2'],
        [{ pools: [pool.default, 'not-a-uuid'] }, 'pools.1'],
        [{}, 'pools'],
        [{ pools: [], extra: 1 }, 'extra'],
      ];
      for (const [body, field] of cases) {
        const response = await api.request('PUT', `${ACME}/ip-pools`, { body, token: admin });
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(response.body.error.details[0].field, field);
      }
    });

    it('replaces the set; servers and rules using a removed pool lose it in the same change', async () => {
      const both = await api.request('PUT', `${ACME}/ip-pools`, {
        body: { pools: [pool.bulk, pool.default, pool.bulk] },
        token: admin,
      });
      assert.equal(both.status, 200);
      assert.deepEqual(poolNames(both.body), ['bulk', 'default']);
      await api.request('POST', `${ACME}/servers`, { body: { name: 'Stays' }, token: admin });
      const moved = await api.request('PATCH', MAIN, { body: { ip_pool: pool.bulk }, token: member });
      assert.equal(moved.body.ip_pool, pool.bulk);
      const rule = await api.request('POST', `${ACME}/ip-pool-rules`, {
        body: { ip_pool: pool.bulk, to: ['gmail.com'] },
        token: member,
      });
      assert.equal(rule.status, 201);
      const keptRule = await api.request('POST', `${MAIN}/ip-pool-rules`, {
        body: { ip_pool: pool.default, from: ['news@acme.test'] },
        token: member,
      });

      const only = await api.request('PUT', `${ACME}/ip-pools`, {
        body: { pools: [pool.default] },
        token: admin,
      });
      assert.deepEqual(poolNames(only.body), ['default']);
      assert.equal((await api.request('GET', MAIN, { token: member })).body.ip_pool, null);
      assert.equal(
        (await api.request('GET', `${ACME}/servers/stays`, { token: member })).body.ip_pool,
        pool.default,
      );
      assert.equal(
        (await api.request('GET', `${ACME}/ip-pool-rules/${rule.body.uuid}`, { token: member })).status,
        404,
      );
      assert.equal(
        (await api.request('GET', `${MAIN}/ip-pool-rules/${keptRule.body.uuid}`, { token: member })).status,
        200,
      );
      const audit = await api.request(
        'GET',
        `${ACME}/audit-log?action=organization.ip_pools.assign&limit=1`,
        {
          token: member,
        },
      );
      assert.deepEqual(audit.body.data[0].changes, {
        pools: [pool.default],
        servers_reset: 1,
        rules_removed: 1,
      });
      assert.equal(audit.body.data[0].actor, 'admin@acme.test');

      const none = await api.request('PUT', `${ACME}/ip-pools`, { body: { pools: [] }, token: admin });
      assert.deepEqual(none.body.data, []);
      assert.equal((await api.request('GET', `${ACME}/servers/stays`, { token: member })).body.ip_pool, null);
      await api.request('PUT', `${ACME}/ip-pools`, {
        body: { pools: [pool.default, pool.bulk] },
        token: admin,
      });
    });

    it('creates, reads, updates and deletes organization rules', async () => {
      const created = await api.request('POST', `${ACME}/ip-pool-rules`, {
        body: { ip_pool: pool.bulk, from: ['Marketing.Acme.test'], to: ['bob@example.com', 'yahoo.com'] },
        token: member,
      });
      assert.equal(created.status, 201);
      assert.equal(created.body.ip_pool, pool.bulk);
      assert.deepEqual(created.body.from, ['marketing.acme.test']);
      assert.deepEqual(created.body.to, ['bob@example.com', 'yahoo.com']);
      const path = `${ACME}/ip-pool-rules/${created.body.uuid}`;
      const stored = await t.ctx.db
        .selectFrom('ip_pool_rules')
        .selectAll()
        .where('uuid', '=', created.body.uuid)
        .executeTakeFirstOrThrow();
      assert.equal(stored.server_id, null);
      assert.equal(stored.to_text, 'bob@example.com\nyahoo.com');

      const updated = await api.request('PATCH', path, {
        body: { ip_pool: pool.default, to: [] },
        token: member,
      });
      assert.equal(updated.status, 200);
      assert.equal(updated.body.ip_pool, pool.default);
      assert.deepEqual(updated.body.to, []);
      assert.deepEqual(updated.body.from, ['marketing.acme.test']);
      const emptied = await api.request('PATCH', path, { body: { from: [] }, token: member });
      assert.equal(emptied.status, 400);
      assert.equal(emptied.body.error.details[0].field, 'from');

      const listed = await api.request('GET', `${ACME}/ip-pool-rules`, { token: member });
      assert.ok(listed.body.data.some((r: { uuid: string }) => r.uuid === created.body.uuid));
      assert.equal((await api.request('GET', path, { token: outsider })).status, 404);
      assert.equal((await api.request('DELETE', path, { token: member })).status, 204);
      assert.equal((await api.request('GET', path, { token: member })).status, 404);
    });

    it('answers 400 naming the field for bad rules', async () => {
      await api.request('PUT', `${V1}/organizations/other/ip-pools`, {
        body: { pools: [pool.default] },
        token: admin,
      });
      await api.request('PUT', `${ACME}/ip-pools`, { body: { pools: [pool.default] }, token: admin });
      const cases: [unknown, string][] = [
        [{ ip_pool: pool.bulk, to: ['gmail.com'] }, 'ip_pool'],
        [{ ip_pool: MISSING, to: ['gmail.com'] }, 'ip_pool'],
        [{ ip_pool: 'nope', to: ['gmail.com'] }, 'ip_pool'],
        [{ ip_pool: pool.default, to: ['not an address'] }, 'to.0'],
        [{ ip_pool: pool.default, from: ['ok.test', 'bob@'] }, 'from.1'],
        [{ ip_pool: pool.default }, 'from'],
        [{ ip_pool: pool.default, to: 'gmail.com' }, 'to'],
        [{ ip_pool: pool.default, to: ['gmail.com'], server: 'main' }, 'server'],
      ];
      for (const [body, field] of cases) {
        for (const path of [`${ACME}/ip-pool-rules`, `${MAIN}/ip-pool-rules`]) {
          const response = await api.request('POST', path, { body, token: member });
          assert.equal(response.status, 400, `${path} ${JSON.stringify(body)}`);
          assert.equal(response.body.error.details[0].field, field, JSON.stringify(body));
        }
      }
      await api.request('PUT', `${ACME}/ip-pools`, {
        body: { pools: [pool.default, pool.bulk] },
        token: admin,
      });
    });

    it("keeps a server's rules apart from its organization's", async () => {
      const serverRule = await api.request('POST', `${MAIN}/ip-pool-rules`, {
        body: { ip_pool: pool.bulk, to: ['outlook.com'] },
        token: member,
      });
      assert.equal(serverRule.status, 201);
      const orgRule = await api.request('POST', `${ACME}/ip-pool-rules`, {
        body: { ip_pool: pool.default, to: ['outlook.com'] },
        token: member,
      });
      const serverList = await api.request('GET', `${MAIN}/ip-pool-rules`, { token: member });
      const orgList = await api.request('GET', `${ACME}/ip-pool-rules`, { token: member });
      const uuids = (body: { data: { uuid: string }[] }) => body.data.map((r) => r.uuid);
      assert.ok(uuids(serverList.body).includes(serverRule.body.uuid));
      assert.ok(!uuids(serverList.body).includes(orgRule.body.uuid));
      assert.ok(uuids(orgList.body).includes(orgRule.body.uuid));
      assert.ok(!uuids(orgList.body).includes(serverRule.body.uuid));
      assert.equal(
        (await api.request('GET', `${MAIN}/ip-pool-rules/${orgRule.body.uuid}`, { token: member })).status,
        404,
      );
      const patched = await api.request('PATCH', `${MAIN}/ip-pool-rules/${serverRule.body.uuid}`, {
        body: { from: ['acme.test'] },
        token: member,
      });
      assert.deepEqual([patched.body.from, patched.body.to], [['acme.test'], ['outlook.com']]);
      assert.equal((await api.request('GET', `${MAIN}/ip-pool-rules`, { token: outsider })).status, 404);
      const removed = await api.request('DELETE', `${MAIN}/ip-pool-rules/${serverRule.body.uuid}`, {
        token: member,
      });
      assert.equal(removed.status, 204);
    });
  });
}
