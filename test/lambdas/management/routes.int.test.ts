import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../helpers/databases.ts';
import type { ApiResponse } from '../../helpers/management-client.ts';
import {
  ACME,
  ACME_SECOND,
  OTHER,
  insertDomain,
  routingFixture,
  type RoutingFixture,
} from './routing-fixture.ts';

for (const dialect of DIALECTS) {
  describe(`${dialect}: routes API`, () => {
    let f: RoutingFixture;
    let http: { type: 'http'; uuid: string };
    let smtp: { type: 'smtp'; uuid: string };
    let address: { type: 'address'; uuid: string };
    let secondServerHttp: { type: 'http'; uuid: string };
    let sharedDomain: string;

    const call = (method: string, path: string, body?: unknown, token?: string): Promise<ApiResponse> =>
      f.api.request(method, path, { body, token: token ?? f.member });
    const created = async (path: string, body: unknown) => {
      const response = await call('POST', path, body);
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body;
    };
    /** The snapshot has no uuids: a route is found by the token of its forward address. */
    const lastSnapshotRoute = (view: { forward_address: string }) => {
      const token = view.forward_address.split('@')[0];
      return f.t.snapshots.at(-1)?.routes.find((route) => route.token === token);
    };

    before(async () => {
      f = await routingFixture(dialect);
      await insertDomain(f.t.ctx, {
        name: 'acme.test',
        organization: 'acme',
        server: 'main',
        verified: true,
      });
      sharedDomain = await insertDomain(f.t.ctx, {
        name: 'shared.test',
        organization: 'acme',
        verified: true,
      });
      await insertDomain(f.t.ctx, {
        name: 'pending.test',
        organization: 'acme',
        server: 'main',
        verified: false,
      });
      await insertDomain(f.t.ctx, {
        name: 'second.test',
        organization: 'acme',
        server: 'second',
        verified: true,
      });
      await insertDomain(f.t.ctx, {
        name: 'other.test',
        organization: 'other',
        server: 'main',
        verified: true,
      });
      // The same name verified by another organization: route names are unique per domain name.
      await insertDomain(f.t.ctx, {
        name: 'both.test',
        organization: 'other',
        server: 'main',
        verified: true,
      });
      await insertDomain(f.t.ctx, {
        name: 'both.test',
        organization: 'acme',
        server: 'main',
        verified: true,
      });
      http = {
        type: 'http',
        uuid: (await created(`${ACME}/http-endpoints`, { name: 'app', url: 'https://app.example.com/in' }))
          .uuid,
      };
      smtp = {
        type: 'smtp',
        uuid: (await created(`${ACME}/smtp-endpoints`, { name: 'mx', hostname: 'mx.example.com' })).uuid,
      };
      address = {
        type: 'address',
        uuid: (await created(`${ACME}/address-endpoints`, { address: 'desk@example.com' })).uuid,
      };
      const second = await created(`${ACME_SECOND}/http-endpoints`, {
        name: 'x',
        url: 'https://x.example.com/',
      });
      secondServerHttp = { type: 'http', uuid: second.uuid };
    });
    after(() => f.t.close());

    it('creates a route to an endpoint and publishes it to the SMTP edge', async () => {
      const route = await created(`${ACME}/routes`, { name: 'support', domain: 'acme.test', endpoint: http });
      assert.equal(route.address, 'support@acme.test');
      assert.equal(route.domain.name, 'acme.test');
      assert.match(route.forward_address, /^[a-z0-9]{8}@routes\.postern\.test$/);
      assert.equal(route.mode, 'Endpoint');
      assert.equal(route.spam_mode, 'Mark');
      assert.deepEqual(route.endpoint, { ...http, name: 'app' });
      assert.deepEqual(route.additional_endpoints, []);
      const published = lastSnapshotRoute(route);
      assert.deepEqual(
        published && { domain: published.domain, name: published.name, mode: published.mode },
        { domain: 'acme.test', name: 'support', mode: 'Endpoint' },
      );
      const fetched = await call('GET', `${ACME}/routes/${route.uuid}`);
      assert.deepEqual(fetched.body, route);
      const listed = await call('GET', `${ACME}/routes`);
      assert.ok(listed.body.data.some((item: { uuid: string }) => item.uuid === route.uuid));
    });

    it('takes an organization-level domain by uuid and additional endpoints', async () => {
      const route = await created(`${ACME}/routes`, {
        name: 'sales',
        domain: sharedDomain,
        endpoint: smtp,
        additional_endpoints: [http, address],
        spam_mode: 'Quarantine',
      });
      assert.equal(route.address, 'sales@shared.test');
      assert.deepEqual(route.additional_endpoints, [
        { ...http, name: 'app' },
        { ...address, name: 'desk@example.com' },
      ]);
      assert.equal(route.spam_mode, 'Quarantine');
    });

    it('updates a route, dropping its endpoints when it leaves Endpoint mode', async () => {
      const route = await created(`${ACME}/routes`, {
        name: 'billing',
        domain: 'acme.test',
        endpoint: smtp,
        additional_endpoints: [http],
      });
      const held = await call('PATCH', `${ACME}/routes/${route.uuid}`, { mode: 'Hold', name: 'Accounts' });
      assert.equal(held.status, 200, JSON.stringify(held.body));
      assert.equal(held.body.name, 'accounts');
      assert.equal(held.body.endpoint, null);
      assert.deepEqual(held.body.additional_endpoints, []);
      assert.equal(lastSnapshotRoute(route)?.mode, 'Hold');
      const noEndpoint = await call('PATCH', `${ACME}/routes/${route.uuid}`, { mode: 'Endpoint' });
      assert.equal(noEndpoint.status, 400);
      assert.equal(noEndpoint.body.error.details[0].field, 'endpoint');
      const back = await call('PATCH', `${ACME}/routes/${route.uuid}`, {
        mode: 'Endpoint',
        endpoint: address,
      });
      assert.equal(back.status, 200);
      assert.deepEqual(back.body.endpoint, { ...address, name: 'desk@example.com' });
      const spam = await call('PATCH', `${ACME}/routes/${route.uuid}`, {
        spam_mode: 'Fail',
        additional_endpoints: [http],
      });
      assert.equal(spam.body.spam_mode, 'Fail');
      assert.deepEqual(spam.body.endpoint, { ...address, name: 'desk@example.com' });
      assert.deepEqual(spam.body.additional_endpoints, [{ ...http, name: 'app' }]);
    });

    it('deletes a route with its additional endpoints and takes it out of the snapshot', async () => {
      const route = await created(`${ACME}/routes`, {
        name: 'gone',
        domain: 'acme.test',
        endpoint: http,
        additional_endpoints: [address],
      });
      const { id } = await f.t.ctx.db
        .selectFrom('routes')
        .select('id')
        .where('uuid', '=', route.uuid)
        .executeTakeFirstOrThrow();
      assert.ok(lastSnapshotRoute(route));
      assert.equal((await call('DELETE', `${ACME}/routes/${route.uuid}`)).status, 204);
      assert.equal(lastSnapshotRoute(route), undefined);
      assert.equal((await call('GET', `${ACME}/routes/${route.uuid}`)).status, 404);
      const links = await f.t.ctx.db
        .selectFrom('route_endpoints')
        .select('id')
        .where('route_id', '=', id)
        .execute();
      assert.deepEqual(links, []);
    });

    it('refuses bad input with a 400 naming the field', async () => {
      const cases: [unknown, string][] = [
        [{ name: 7, domain: 'acme.test', mode: 'Accept' }, 'name'],
        [{ name: 'no spaces', domain: 'acme.test', mode: 'Accept' }, 'name'],
        [{ name: 'a', domain: 'acme.test', mode: 'Accept', colour: 'red' }, 'colour'],
        [{ name: 'a', domain: 'acme.test', mode: 'Forward' }, 'mode'],
        [{ name: 'a', domain: 'acme.test', mode: 'Accept', spam_mode: 'Drop' }, 'spam_mode'],
        [{ name: 'a', mode: 'Accept' }, 'domain'],
        [{ name: 'a', domain: 'pending.test', mode: 'Accept' }, 'domain'],
        [{ name: 'a', domain: 'second.test', mode: 'Accept' }, 'domain'],
        [{ name: 'a', domain: 'other.test', mode: 'Accept' }, 'domain'],
        [{ name: 'a', domain: 'nowhere.test', mode: 'Accept' }, 'domain'],
        [{ name: 'a', domain: 'acme.test' }, 'endpoint'],
        [{ name: 'a', domain: 'acme.test', endpoint: secondServerHttp }, 'endpoint'],
        [{ name: 'a', domain: 'acme.test', endpoint: { type: 'ftp', uuid: http.uuid } }, 'endpoint.type'],
        [{ name: 'a', domain: 'acme.test', endpoint: { type: 'http', uuid: 'nope' } }, 'endpoint.uuid'],
        [{ name: 'a', domain: 'acme.test', endpoint: { ...http, extra: 1 } }, 'endpoint.extra'],
        [{ name: 'a', domain: 'acme.test', mode: 'Accept', endpoint: http }, 'endpoint'],
        [
          { name: 'a', domain: 'acme.test', mode: 'Accept', additional_endpoints: [http] },
          'additional_endpoints',
        ],
        [
          { name: 'a', domain: 'acme.test', endpoint: http, additional_endpoints: http },
          'additional_endpoints',
        ],
        [
          { name: 'a', domain: 'acme.test', endpoint: http, additional_endpoints: [secondServerHttp] },
          'additional_endpoints.0',
        ],
        [
          { name: '*', domain: 'acme.test', endpoint: http, additional_endpoints: [smtp] },
          'additional_endpoints.0',
        ],
        [
          { name: '*', domain: 'acme.test', endpoint: http, additional_endpoints: [address] },
          'additional_endpoints.0',
        ],
        [
          { name: 'a', domain: 'acme.test', endpoint: http, additional_endpoints: [http] },
          'additional_endpoints.0',
        ],
        [{ name: '__returnpath__', endpoint: smtp }, 'endpoint'],
        [{ name: '__returnpath__', domain: 'acme.test', endpoint: http }, 'domain'],
      ];
      for (const [body, field] of cases) {
        const response = await call('POST', `${ACME}/routes`, body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(response.body.error.code, 'invalid_request');
        assert.equal(response.body.error.details[0].field, field, JSON.stringify(body));
      }
      const route = await created(`${ACME}/routes`, { name: 'patched', domain: 'acme.test', mode: 'Accept' });
      for (const [body, field] of [
        [{ domain: null }, 'domain'],
        [{ mode: 'Endpoint', endpoint: secondServerHttp }, 'endpoint'],
        [{ additional_endpoints: [http] }, 'additional_endpoints'],
        [{ name: '__returnpath__' }, 'domain'],
        [{ uuid: route.uuid }, 'uuid'],
      ] as const) {
        const response = await call('PATCH', `${ACME}/routes/${route.uuid}`, body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(response.body.error.details[0].field, field, JSON.stringify(body));
      }
    });

    it('keeps route names unique per domain name across the installation', async () => {
      await created(`${ACME}/routes`, { name: 'info', domain: 'acme.test', mode: 'Accept' });
      const again = await call('POST', `${ACME}/routes`, { name: 'info', domain: 'acme.test', mode: 'Hold' });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.details[0].field, 'name');
      await created(`${ACME}/routes`, { name: 'info', domain: 'shared.test', mode: 'Accept' });
      const theirs = await call(
        'POST',
        `${OTHER}/routes`,
        { name: 'hello', domain: 'both.test', mode: 'Accept' },
        f.outsider,
      );
      assert.equal(theirs.status, 201, JSON.stringify(theirs.body));
      const ours = await call('POST', `${ACME}/routes`, {
        name: 'hello',
        domain: 'both.test',
        mode: 'Accept',
      });
      assert.equal(ours.status, 409);
      const renamed = await created(`${ACME}/routes`, { name: 'info2', domain: 'acme.test', mode: 'Accept' });
      const clash = await call('PATCH', `${ACME}/routes/${renamed.uuid}`, { name: 'info' });
      assert.equal(clash.status, 409);
    });

    it('allows one __returnpath__ route per server, to an HTTP endpoint', async () => {
      const route = await created(`${ACME}/routes`, { name: '__returnpath__', endpoint: http });
      assert.equal(route.domain, null);
      assert.equal(route.address, null);
      assert.equal(lastSnapshotRoute(route)?.domain, null);
      const again = await call('POST', `${ACME}/routes`, { name: '__returnpath__', endpoint: http });
      assert.equal(again.status, 409);
      const secondServer = await call('POST', `${ACME_SECOND}/routes`, {
        name: '__returnpath__',
        endpoint: secondServerHttp,
      });
      assert.equal(secondServer.status, 201);
    });

    it('switches routes to Reject when their endpoint is deleted', async () => {
      const doomed = await created(`${ACME}/smtp-endpoints`, { name: 'old', hostname: 'old.example.com' });
      const ref = { type: 'smtp', uuid: doomed.uuid };
      const main = await created(`${ACME}/routes`, {
        name: 'legacy',
        domain: 'acme.test',
        endpoint: ref,
        additional_endpoints: [http],
      });
      const extra = await created(`${ACME}/routes`, {
        name: 'copies',
        domain: 'acme.test',
        endpoint: http,
        additional_endpoints: [ref],
      });
      const { id } = await f.t.ctx.db
        .selectFrom('smtp_endpoints')
        .select('id')
        .where('uuid', '=', doomed.uuid)
        .executeTakeFirstOrThrow();
      assert.equal((await call('DELETE', `${ACME}/smtp-endpoints/${doomed.uuid}`)).status, 204);
      const rejected = await call('GET', `${ACME}/routes/${main.uuid}`);
      assert.equal(rejected.body.mode, 'Reject');
      assert.equal(rejected.body.endpoint, null);
      assert.deepEqual(rejected.body.additional_endpoints, []);
      assert.equal(lastSnapshotRoute(main)?.mode, 'Reject');
      const kept = await call('GET', `${ACME}/routes/${extra.uuid}`);
      assert.equal(kept.body.mode, 'Endpoint');
      assert.deepEqual(kept.body.additional_endpoints, []);
      const links = await f.t.ctx.db
        .selectFrom('route_endpoints')
        .select('id')
        .where('endpoint_type', '=', 'smtp')
        .where('endpoint_id', '=', id)
        .execute();
      assert.deepEqual(links, []);
      const audit = await f.t.ctx.db
        .selectFrom('audit_log')
        .select('changes')
        .where('action', '=', 'smtp_endpoint.delete')
        .executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(audit.changes ?? '{}').rejected_routes, [main.uuid]);
    });

    it("hides another organization's routes", async () => {
      const route = await created(`${ACME}/routes`, { name: 'private', domain: 'acme.test', mode: 'Accept' });
      assert.equal((await call('GET', `${ACME}/routes`, undefined, f.outsider)).status, 404);
      assert.equal((await call('GET', `${ACME}/routes/${route.uuid}`, undefined, f.outsider)).status, 404);
      const create = await call(
        'POST',
        `${ACME}/routes`,
        { name: 'x', domain: 'acme.test', mode: 'Accept' },
        f.outsider,
      );
      assert.equal(create.status, 404);
      assert.equal((await call('GET', `${OTHER}/routes/${route.uuid}`, undefined, f.outsider)).status, 404);
      assert.equal((await call('DELETE', `${ACME_SECOND}/routes/${route.uuid}`)).status, 404);
    });
  });
}
