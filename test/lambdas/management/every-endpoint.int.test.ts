import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { managementEndpoints } from '../../../lambdas/management/endpoints.ts';
import type { Endpoint } from '../../../lambdas/http/endpoint.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { createTestContext, type TestContext } from '../../helpers/test-context.ts';
import { managementClient, type ManagementClient } from '../../helpers/management-client.ts';
import { ManualClock } from '../../fakes/manual-clock.ts';

// Sweeps over every management endpoint: bad input is always a 400 naming a field (never a
// 500), another organization's things are always 404, and tokens are always checked.

const V1 = '/management/v1';

interface Tenant {
  org: string;
  server: string;
  /** A resource uuid of each kind, by the path segment that lists it. */
  uuids: Record<string, string>;
}

/** A concrete path for an endpoint, with a tenant's names and resources filled in. */
function pathFor(
  endpoint: Endpoint,
  tenant: Tenant,
  fallbackUuid = '00000000-0000-4000-8000-000000000000',
): string {
  const segments = endpoint.path.split('/');
  return segments
    .map((segment, index) => {
      if (segment === '{org}') return tenant.org;
      if (segment === '{server}') return tenant.server;
      if (segment === '{id}') return '1';
      if (segment === '{address}') return 'someone%40example.com';
      if (segment === '{domain}' || segment === '{uuid}' || segment === '{request}') {
        return tenant.uuids[segments[index - 1] ?? ''] ?? fallbackUuid;
      }
      return segment;
    })
    .join('/');
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: every management endpoint`, () => {
    let t: TestContext;
    let api: ManagementClient;
    let clock: ManualClock;
    let admin: string;
    let memberOfA: string;
    const tenants: Record<'a' | 'b', Tenant> = {
      a: { org: 'org-a', server: 'main', uuids: {} },
      b: { org: 'org-b', server: 'main', uuids: {} },
    };

    async function populate(tenant: Tenant): Promise<void> {
      const as = { token: admin };
      await api.request('POST', `${V1}/organizations`, {
        body: { name: tenant.org, permalink: tenant.org },
        ...as,
      });
      const base = `${V1}/organizations/${tenant.org}/servers/${tenant.server}`;
      await api.request('POST', `${V1}/organizations/${tenant.org}/servers`, {
        body: { name: 'Main' },
        ...as,
      });
      const create = async (kind: string, body: unknown) => {
        const response = await api.request('POST', `${base}/${kind}`, { body, ...as });
        assert.ok(response.status < 300, `${kind}: ${JSON.stringify(response.body)}`);
        tenant.uuids[kind] = response.body.uuid;
      };
      await create('credentials', { type: 'API', name: 'key' });
      await create('domains', { name: `${tenant.org}.example`, verification_method: 'DNS' });
      await create('http-endpoints', { name: 'hook', url: 'https://hooks.example/in' });
      await create('smtp-endpoints', { name: 'relay', hostname: 'relay.example' });
      await create('address-endpoints', { address: `inbox@${tenant.org}.example` });
      await create('routes', {
        name: 'support',
        domain: `${tenant.org}.example`,
        mode: 'Endpoint',
        endpoint: { type: 'http', uuid: tenant.uuids['http-endpoints'] },
      });
      await create('webhooks', { name: 'events', url: 'https://hooks.example/events' });
      await create('track-domains', { domain: `${tenant.org}.example`, name: 'track' });
      await create('ip-pool-rules', { ip_pool: await defaultPool(), to: ['example.com'] });
      const orgDomain = await api.request('POST', `${V1}/organizations/${tenant.org}/domains`, {
        body: { name: `shared.${tenant.org}.example`, verification_method: 'DNS' },
        ...as,
      });
      tenant.uuids.domains ??= orgDomain.body.uuid;
    }

    async function defaultPool(): Promise<string> {
      const pools = await api.request('GET', `${V1}/ip-pools`, { token: admin });
      return pools.body.data[0].uuid;
    }

    before(async () => {
      clock = new ManualClock(Date.now());
      t = await createTestContext(dialect, { clock });
      api = managementClient(t.ctx);
      await t.ctx.db
        .insertInto('ip_pools')
        .values({ uuid: t.ctx.ids.uuid(), name: 'default', is_default: 1, created_at: 0, updated_at: 0 })
        .execute();
      admin = await api.userToken('admin@postern.test', { admin: true });
      await populate(tenants.a);
      await populate(tenants.b);
      memberOfA = await api.userToken('member@org-a.test', { organizations: [tenants.a.org] });
    });
    after(() => t.close());

    const withBody = managementEndpoints.filter((endpoint) => endpoint.body);
    const authenticated = managementEndpoints.filter((endpoint) => endpoint.auth !== 'public');

    it('answers 400 with a code and the offending field for unknown fields, wrong shapes and bad JSON', async () => {
      assert.ok(withBody.length >= 35, `${withBody.length} endpoints take a body`);
      for (const endpoint of withBody) {
        const path = pathFor(endpoint, tenants.a);
        const label = `${endpoint.method} ${endpoint.path}`;
        const unknown = await api.request(endpoint.method, path, { body: { zz_unknown: 1 }, token: admin });
        assert.equal(unknown.status, 400, `${label} unknown field: ${JSON.stringify(unknown.body)}`);
        assert.equal(unknown.body.error.code, 'invalid_request', label);
        assert.ok(unknown.body.error.details.length > 0, label);
        assert.ok(
          unknown.body.error.details.every((d: { field: string }) => d.field.length > 0),
          label,
        );

        const array = await api.request(endpoint.method, path, { body: [1, 2], token: admin });
        assert.equal(array.status, 400, `${label} array body`);
        const broken = await api.request(endpoint.method, path, { raw: '{"name":', token: admin });
        assert.equal(broken.status, 400, `${label} broken JSON`);
        assert.equal(broken.body.error.code, 'invalid_json', label);
        const form = await api.request(endpoint.method, path, {
          raw: 'name=x',
          contentType: 'application/x-www-form-urlencoded',
          token: admin,
        });
        assert.equal(form.status, 415, `${label} form body`);
      }
    });

    it('answers 400 naming the query field for bad paging and unknown query fields', async () => {
      const queried = managementEndpoints.filter((e) => e.query);
      assert.ok(queried.length >= 15, `${queried.length} endpoints take a query`);
      for (const endpoint of queried) {
        const path = pathFor(endpoint, tenants.a);
        const response = await api.request(endpoint.method, `${path}?limit=0`, { token: admin });
        assert.equal(response.status, 400, `${endpoint.method} ${endpoint.path}`);
        assert.equal(response.body.error.details[0].field, 'query.limit');
        const unknown = await api.request(endpoint.method, `${path}?zz_unknown=1`, { token: admin });
        assert.equal(unknown.status, 400, `${endpoint.method} ${endpoint.path} unknown query field`);
      }
    });

    it('never answers 500 to random JSON bodies', async () => {
      for (const endpoint of withBody) {
        const path = pathFor(endpoint, tenants.a);
        await fc.assert(
          fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (body) => {
            const response = await api.request(endpoint.method, path, {
              raw: JSON.stringify(body),
              token: admin,
            });
            assert.ok(
              response.status < 500,
              `${endpoint.method} ${endpoint.path} with ${JSON.stringify(body)}`,
            );
          }),
          { numRuns: 15 },
        );
      }
    });

    it('shows a member of organization A nothing of organization B: every path is 404', async () => {
      const scoped = authenticated.filter((e) => e.path.includes('{org}'));
      assert.ok(scoped.length >= 80, `${scoped.length} endpoints are under an organization`);
      for (const endpoint of scoped) {
        const response = await api.request(endpoint.method, pathFor(endpoint, tenants.b), {
          body: endpoint.body ? {} : undefined,
          token: memberOfA,
        });
        // A body is parsed before the lookup, so an empty one may already be a 400; it must not reveal B.
        assert.ok(
          response.status === 404 || (response.status === 400 && endpoint.body),
          `${endpoint.method} ${endpoint.path}: ${response.status}`,
        );
      }
    });

    it("404s B's resources addressed through A's own server", async () => {
      const addressed = authenticated.filter(
        (e) => /\{(uuid|domain)\}/.test(e.path) && e.path.includes('{server}'),
      );
      assert.ok(addressed.length >= 30, `${addressed.length} endpoints address a server's resource`);
      for (const endpoint of addressed) {
        const crossed: Tenant = { ...tenants.a, uuids: tenants.b.uuids };
        const response = await api.request(endpoint.method, pathFor(endpoint, crossed), {
          body: endpoint.body ? {} : undefined,
          token: memberOfA,
        });
        assert.ok(
          response.status === 404 || (response.status === 400 && endpoint.body),
          `${endpoint.method} ${endpoint.path}: ${response.status}`,
        );
      }
    });

    it('keeps users and IP pools to administrators', async () => {
      const adminOnly = managementEndpoints.filter(
        (e) => /\/(users|ip-pools)(\/|$)/.test(e.path) && !e.path.includes('{org}'),
      );
      assert.equal(adminOnly.length, 7, adminOnly.map((e) => `${e.method} ${e.path}`).join(', '));
      for (const endpoint of adminOnly) {
        const response = await api.request(endpoint.method, pathFor(endpoint, tenants.a), {
          body: endpoint.body ? {} : undefined,
          token: memberOfA,
        });
        assert.ok(
          [403, 400].includes(response.status),
          `${endpoint.method} ${endpoint.path}: ${response.status}`,
        );
        if (!endpoint.body) assert.equal(response.status, 403);
      }
      const assign = await api.request('PUT', `${V1}/organizations/${tenants.a.org}/ip-pools`, {
        body: { pools: [] },
        token: memberOfA,
      });
      assert.equal(assign.status, 403);
    });

    it('answers 401 without a token, with a wrong one, and with an expired one', async () => {
      const session = await api.userToken('short@org-a.test', { organizations: [tenants.a.org] });
      assert.equal((await api.request('GET', `${V1}/me`, { token: session })).status, 200);
      for (const endpoint of authenticated) {
        const path = pathFor(endpoint, tenants.a);
        for (const token of [null, 'pst_wrong', 'pat_wrong', 'Bearer']) {
          const response = await api.request(endpoint.method, path, {
            token,
            body: endpoint.body ? {} : undefined,
          });
          assert.equal(response.status, 401, `${endpoint.method} ${endpoint.path} with ${token}`);
          assert.equal(response.body.error.code, 'unauthenticated');
        }
      }
      clock.advance(25 * 60 * 60 * 1000);
      const expired = await api.request('GET', `${V1}/me`, { token: session });
      assert.equal(expired.status, 401, 'a session idle for more than 24 hours has expired');
    });
  });
}
