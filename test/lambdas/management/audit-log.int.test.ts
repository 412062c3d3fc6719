import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REDACTED } from '../../../core/logging/redact.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { createTestContext, type TestContext } from '../../helpers/test-context.ts';
import { managementClient, type ManagementClient } from '../../helpers/management-client.ts';

const V1 = '/management/v1';
const ACME = `${V1}/organizations/acme`;

interface Entry {
  uuid: string;
  action: string;
  actor: string;
  organization: string | null;
  server: string | null;
  resource_uuid: string | null;
  changes: Record<string, unknown> | null;
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: audit log API`, () => {
    let t: TestContext;
    let api: ManagementClient;
    let admin: string;
    let member: string;
    let outsider: string;
    let credential: { uuid: string; key: string };
    let accessToken: string;
    const secrets = ['first-password-123', 'second-password-456'];

    before(async () => {
      t = await createTestContext(dialect);
      api = managementClient(t.ctx);
      admin = await api.userToken('admin@acme.test', { admin: true });
      for (const name of ['Acme', 'Other']) {
        await api.request('POST', `${V1}/organizations`, {
          body: { name, permalink: name.toLowerCase() },
          token: admin,
        });
      }
      await api.request('POST', `${ACME}/servers`, { body: { name: 'Main' }, token: admin });
      await api.request('POST', `${ACME}/servers`, { body: { name: 'Spare' }, token: admin });
      await api.request('POST', `${V1}/organizations/other/servers`, {
        body: { name: 'Side' },
        token: admin,
      });
      member = await api.userToken('member@acme.test', { organizations: ['acme'] });
      outsider = await api.userToken('member@other.test', { organizations: ['other'] });
      const created = await api.request('POST', `${ACME}/servers/main/credentials`, {
        body: { type: 'SMTP', name: 'app' },
        token: member,
      });
      credential = { uuid: created.body.uuid, key: created.body.key };
      const user = await api.request('POST', `${V1}/users`, {
        body: { email: 'new@acme.test', first_name: 'New', password: secrets[0] },
        token: admin,
      });
      await api.request('PATCH', `${V1}/users/${user.body.uuid}`, {
        body: { password: secrets[1] },
        token: admin,
      });
      accessToken = (await api.request('POST', `${V1}/tokens`, { body: { name: 'ci' }, token: member })).body
        .token;
    });
    after(() => t.close());

    const everything = async (): Promise<Entry[]> => {
      const entries: Entry[] = [];
      let cursor: string | null = null;
      do {
        const page = await api.request('GET', `${V1}/audit-log?limit=3${cursor ? `&cursor=${cursor}` : ''}`, {
          token: admin,
        });
        assert.equal(page.status, 200);
        entries.push(...page.body.data);
        cursor = page.body.next_cursor;
      } while (cursor);
      return entries;
    };

    it('records changes made through the API with their actor, organization and server', async () => {
      const listed = await api.request('GET', `${ACME}/audit-log?action=credential.create`, {
        token: member,
      });
      assert.equal(listed.status, 200);
      const [entry] = listed.body.data;
      assert.deepEqual(
        { ...entry, uuid: undefined, timestamp: undefined },
        {
          uuid: undefined,
          action: 'credential.create',
          resource_type: 'credential',
          resource_uuid: credential.uuid,
          actor: 'member@acme.test',
          organization: 'acme',
          server: 'main',
          changes: { type: 'SMTP', name: 'app', hold: false },
          ip_address: '203.0.113.9',
          timestamp: undefined,
        },
      );
      assert.match(entry.timestamp, /^\d{4}-\d\d-\d\dT/);
      const servers = await api.request('GET', `${ACME}/audit-log?action=server.create`, { token: member });
      assert.deepEqual(
        servers.body.data.map((e: Entry) => [e.server, e.actor]),
        [
          ['spare', 'admin@acme.test'],
          ['main', 'admin@acme.test'],
        ],
      );
    });

    it('never stores keys, passwords or tokens', async () => {
      const text = JSON.stringify(await everything());
      for (const secret of [credential.key, accessToken, ...secrets]) {
        assert.ok(!text.includes(secret), 'a secret reached the audit log');
      }
      const rows = await t.ctx.db.selectFrom('audit_log').select('changes').execute();
      const stored = JSON.stringify(rows);
      for (const secret of [credential.key, accessToken, ...secrets]) assert.ok(!stored.includes(secret));
    });

    it('lists newest first, page by page, without gaps or repeats', async () => {
      const entries = await everything();
      const rows = await t.ctx.db.selectFrom('audit_log').select(['uuid']).orderBy('id', 'desc').execute();
      assert.deepEqual(
        entries.map((e) => e.uuid),
        rows.map((row) => row.uuid),
      );
    });

    it("shows an organization's members that organization's entries only, filtered by server", async () => {
      const own = await api.request('GET', `${ACME}/audit-log?limit=200`, { token: member });
      assert.ok(own.body.data.length > 0);
      assert.ok(own.body.data.every((e: Entry) => e.organization === 'acme'));
      const main = await api.request('GET', `${ACME}/audit-log?server=main`, { token: member });
      assert.deepEqual(
        main.body.data.map((e: Entry) => e.action),
        ['credential.create', 'server.create'],
      );
      const unknown = await api.request('GET', `${ACME}/audit-log?server=nothing`, { token: member });
      assert.deepEqual(unknown.body.data, []);
      const other = await api.request('GET', `${ACME}/audit-log`, { token: outsider });
      assert.equal(other.status, 404);
      const denied = await api.request('GET', `${V1}/audit-log`, { token: member });
      assert.equal(denied.status, 403);
    });

    it('shows administrators every entry, including those of no organization', async () => {
      const entries = await everything();
      const organizations = new Set(entries.map((e) => e.organization));
      assert.deepEqual([...organizations].sort(), ['acme', 'other', null].sort());
      const system = entries.find((e) => e.action === 'user.create' && e.actor === 'system');
      assert.ok(system, 'users made outside the API are recorded as the system');
      const other = await api.request('GET', `${V1}/audit-log?organization=other&action=server.create`, {
        token: admin,
      });
      assert.deepEqual(
        other.body.data.map((e: Entry) => [e.organization, e.server]),
        [['other', 'side']],
      );
      const updated = entries.find((e) => e.action === 'user.update');
      assert.deepEqual(updated?.changes, { password: REDACTED });
    });

    it('answers 400 naming the field for bad filters', async () => {
      for (const [path, field] of [
        [`${ACME}/audit-log?action=Not%20An%20Action`, 'query.action'],
        [`${ACME}/audit-log?server=UPPER`, 'query.server'],
        [`${ACME}/audit-log?organization=acme`, 'query.organization'],
        [`${V1}/audit-log?limit=500`, 'query.limit'],
        [`${V1}/audit-log?server=main`, 'query.server'],
        [`${V1}/audit-log?cursor=abc`, 'query.cursor'],
      ]) {
        const response = await api.request('GET', path ?? '', { token: admin });
        assert.equal(response.status, 400, path);
        assert.equal(response.body.error.details[0].field, field, path);
      }
    });
  });
}
