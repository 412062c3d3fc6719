import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../helpers/databases.ts';
import type { ApiResponse } from '../../helpers/management-client.ts';
import { ACME, routingFixture, type RoutingFixture } from './routing-fixture.ts';

for (const dialect of DIALECTS) {
  describe(`${dialect}: endpoints API`, () => {
    let f: RoutingFixture;
    let strict: RoutingFixture;

    const call = (method: string, path: string, body?: unknown, token?: string): Promise<ApiResponse> =>
      f.api.request(method, path, { body, token: token ?? f.member });
    const expectField = async (response: Promise<ApiResponse>, field: string, label: string) => {
      const { status, body } = await response;
      assert.equal(status, 400, `${label}: ${JSON.stringify(body)}`);
      assert.equal(body.error.code, 'invalid_request', label);
      assert.equal(body.error.details[0].field, field, label);
    };

    before(async () => {
      f = await routingFixture(dialect);
      strict = await routingFixture(dialect, { allowPrivateTargets: false });
    });
    after(async () => {
      await f.t.close();
      await strict.t.close();
    });

    it('creates, reads, lists, updates and deletes an HTTP endpoint', async () => {
      const created = await call('POST', `${ACME}/http-endpoints`, {
        name: 'app',
        url: 'https://hook:s3cret@app.example.com/incoming',
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.deepEqual(
        { ...created.body, uuid: undefined, created_at: undefined, updated_at: undefined },
        {
          uuid: undefined,
          name: 'app',
          url: 'https://hook:s3cret@app.example.com/incoming',
          encoding: 'BodyAsJSON',
          format: 'Hash',
          strip_replies: false,
          include_attachments: true,
          timeout_seconds: 5,
          last_used_at: null,
          created_at: undefined,
          updated_at: undefined,
        },
      );
      const path = `${ACME}/http-endpoints/${created.body.uuid}`;
      assert.deepEqual((await call('GET', path)).body, created.body);
      const listed = await call('GET', `${ACME}/http-endpoints`);
      assert.deepEqual(listed.body.data, [created.body]);
      const updated = await call('PATCH', path, {
        encoding: 'FormData',
        format: 'RawMessage',
        strip_replies: true,
        include_attachments: false,
        timeout_seconds: 60,
        url: 'http://app.example.com/v2',
      });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      assert.equal(updated.body.encoding, 'FormData');
      assert.equal(updated.body.format, 'RawMessage');
      assert.equal(updated.body.strip_replies, true);
      assert.equal(updated.body.include_attachments, false);
      assert.equal(updated.body.timeout_seconds, 60);
      assert.equal(updated.body.url, 'http://app.example.com/v2');
      assert.equal(updated.body.name, 'app');
      const audit = await f.t.ctx.db
        .selectFrom('audit_log')
        .select('changes')
        .where('action', '=', 'http_endpoint.create')
        .executeTakeFirstOrThrow();
      assert.doesNotMatch(audit.changes ?? '', /s3cret/);
      assert.equal((await call('DELETE', path)).status, 204);
      assert.equal((await call('GET', path)).status, 404);
    });

    it('refuses bad HTTP endpoint input with a 400 naming the field', async () => {
      const url = 'https://app.example.com/';
      const cases: [unknown, string][] = [
        [{ url }, 'name'],
        [{ name: 'x' }, 'url'],
        [{ name: 12, url }, 'name'],
        [{ name: '  ', url }, 'name'],
        [{ name: 'x', url: 'ftp://app.example.com/' }, 'url'],
        [{ name: 'x', url: 'not a url' }, 'url'],
        [{ name: 'x', url: 42 }, 'url'],
        [{ name: 'x', url, encoding: 'XML' }, 'encoding'],
        [{ name: 'x', url, format: 'Text' }, 'format'],
        [{ name: 'x', url, strip_replies: 'yes' }, 'strip_replies'],
        [{ name: 'x', url, include_attachments: 1 }, 'include_attachments'],
        [{ name: 'x', url, timeout_seconds: 4 }, 'timeout_seconds'],
        [{ name: 'x', url, timeout_seconds: 61 }, 'timeout_seconds'],
        [{ name: 'x', url, timeout_seconds: 5.5 }, 'timeout_seconds'],
        [{ name: 'x', url, timeout: 10 }, 'timeout'],
      ];
      for (const [body, field] of cases) {
        await expectField(call('POST', `${ACME}/http-endpoints`, body), field, JSON.stringify(body));
      }
      const created = await call('POST', `${ACME}/http-endpoints`, { name: 'x', url });
      const path = `${ACME}/http-endpoints/${created.body.uuid}`;
      await expectField(call('PATCH', path, { timeout_seconds: 0 }), 'timeout_seconds', 'patch timeout');
      await expectField(call('PATCH', path, { url: 'gopher://x/' }), 'url', 'patch url');
      await expectField(call('PATCH', path, { server_id: 2 }), 'server_id', 'patch unknown');
      const array = await f.api.request('POST', `${ACME}/http-endpoints`, { raw: '[]', token: f.member });
      assert.equal(array.status, 400);
    });

    it('creates, updates and deletes an SMTP endpoint, with Postal defaults', async () => {
      const created = await call('POST', `${ACME}/smtp-endpoints`, {
        name: 'relay',
        hostname: 'MX.Example.com.',
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.hostname, 'mx.example.com');
      assert.equal(created.body.port, 25);
      assert.equal(created.body.ssl_mode, 'Auto');
      const path = `${ACME}/smtp-endpoints/${created.body.uuid}`;
      const updated = await call('PATCH', path, {
        port: 2525,
        ssl_mode: 'STARTTLS',
        hostname: '[2001:db8::25]',
      });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      assert.equal(updated.body.port, 2525);
      assert.equal(updated.body.ssl_mode, 'STARTTLS');
      assert.equal(updated.body.hostname, '2001:db8::25');
      assert.deepEqual((await call('GET', path)).body, updated.body);
      assert.equal((await call('GET', `${ACME}/smtp-endpoints`)).body.data.length, 1);
      assert.equal((await call('DELETE', path)).status, 204);
      assert.equal((await call('GET', path)).status, 404);
    });

    it('refuses bad SMTP endpoint input with a 400 naming the field', async () => {
      const hostname = 'mx.example.com';
      const cases: [unknown, string][] = [
        [{ hostname }, 'name'],
        [{ name: 'x' }, 'hostname'],
        [{ name: 'x', hostname: 'not a host' }, 'hostname'],
        [{ name: 'x', hostname: 'smtp://mx.example.com' }, 'hostname'],
        [{ name: 'x', hostname: '2130706433' }, 'hostname'],
        [{ name: 'x', hostname, port: 0 }, 'port'],
        [{ name: 'x', hostname, port: 65536 }, 'port'],
        [{ name: 'x', hostname, port: '25' }, 'port'],
        [{ name: 'x', hostname, ssl_mode: 'SSL' }, 'ssl_mode'],
        [{ name: 'x', hostname, username: 'u' }, 'username'],
      ];
      for (const [body, field] of cases) {
        await expectField(call('POST', `${ACME}/smtp-endpoints`, body), field, JSON.stringify(body));
      }
    });

    it('keeps address endpoints unique per server', async () => {
      const created = await call('POST', `${ACME}/address-endpoints`, { address: 'Desk@Example.com' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.address, 'desk@example.com');
      const again = await call('POST', `${ACME}/address-endpoints`, { address: 'desk@example.com' });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.details[0].field, 'address');
      const other = await call('POST', `${ACME}/address-endpoints`, { address: 'sales@example.com' });
      const clash = await call('PATCH', `${ACME}/address-endpoints/${other.body.uuid}`, {
        address: 'desk@example.com',
      });
      assert.equal(clash.status, 409);
      const moved = await call('PATCH', `${ACME}/address-endpoints/${other.body.uuid}`, {
        address: 'team@example.com',
      });
      assert.equal(moved.status, 200);
      assert.equal(moved.body.address, 'team@example.com');
      const elsewhere = await call(
        'POST',
        '/management/v1/organizations/acme/servers/second/address-endpoints',
        { address: 'desk@example.com' },
      );
      assert.equal(elsewhere.status, 201);
      await expectField(
        call('POST', `${ACME}/address-endpoints`, { address: 'nobody' }),
        'address',
        'bad address',
      );
      await expectField(call('POST', `${ACME}/address-endpoints`, {}), 'address', 'no address');
      await expectField(
        call('POST', `${ACME}/address-endpoints`, { address: 'a@b.test', name: 'x' }),
        'name',
        'extra',
      );
      assert.equal((await call('GET', `${ACME}/address-endpoints`)).body.data.length, 2);
      assert.equal((await call('DELETE', `${ACME}/address-endpoints/${other.body.uuid}`)).status, 204);
      assert.equal((await call('GET', `${ACME}/address-endpoints/${other.body.uuid}`)).status, 404);
    });

    it("hides another organization's endpoints", async () => {
      const created = await call('POST', `${ACME}/http-endpoints`, {
        name: 'mine',
        url: 'https://a.example.com/',
      });
      for (const kind of ['http-endpoints', 'smtp-endpoints', 'address-endpoints']) {
        const listed = await call('GET', `${ACME}/${kind}`, undefined, f.outsider);
        assert.equal(listed.status, 404, kind);
        assert.equal(listed.body.error.code, 'not_found');
      }
      assert.equal(
        (await call('GET', `${ACME}/http-endpoints/${created.body.uuid}`, undefined, f.outsider)).status,
        404,
      );
      const patch = await call(
        'PATCH',
        `${ACME}/http-endpoints/${created.body.uuid}`,
        { name: 'theirs' },
        f.outsider,
      );
      assert.equal(patch.status, 404);
      const other = '/management/v1/organizations/other/servers/main';
      assert.equal(
        (await call('DELETE', `${other}/http-endpoints/${created.body.uuid}`, undefined, f.outsider)).status,
        404,
      );
    });

    it('refuses private targets when the installation does not allow them', async () => {
      const post = (kind: string, body: unknown) =>
        strict.api.request('POST', `${ACME}/${kind}`, { body, token: strict.member });
      for (const url of [
        'http://127.0.0.1/',
        'http://localhost:3000/',
        'https://api.localhost/',
        'http://10.1.2.3/',
        'http://169.254.169.254/latest/meta-data/',
        'http://[::1]:8080/',
        'http://[::ffff:192.168.0.1]/',
        'http://[fd00::1]/',
        'http://2130706433/',
        'http://user:pw@100.64.0.1/',
      ]) {
        const response = await post('http-endpoints', { name: 'x', url });
        assert.equal(response.status, 400, url);
        assert.equal(response.body.error.details[0].field, 'url', url);
        assert.match(response.body.error.message, /not a public address/, url);
      }
      for (const hostname of ['192.168.1.10', 'localhost', '::1', 'fe80::1']) {
        const response = await post('smtp-endpoints', { name: 'x', hostname });
        assert.equal(response.status, 400, hostname);
        assert.equal(response.body.error.details[0].field, 'hostname', hostname);
      }
      const publicUrl = await post('http-endpoints', { name: 'x', url: 'https://8.8.8.8/in' });
      assert.equal(publicUrl.status, 201);
      const patch = await strict.api.request('PATCH', `${ACME}/http-endpoints/${publicUrl.body.uuid}`, {
        body: { url: 'http://127.0.0.1/' },
        token: strict.member,
      });
      assert.equal(patch.status, 400);
      assert.equal((await post('smtp-endpoints', { name: 'x', hostname: 'mx.example.com' })).status, 201);
    });

    it('allows private targets when the installation allows them', async () => {
      const local = await call('POST', `${ACME}/http-endpoints`, {
        name: 'dev',
        url: 'http://localhost:3000/in',
      });
      assert.equal(local.status, 201);
      const lan = await call('POST', `${ACME}/smtp-endpoints`, { name: 'lan', hostname: '192.168.1.10' });
      assert.equal(lan.status, 201);
    });
  });
}
