import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hashSecret } from '../../../core/auth/secret-hash.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { createTestContext, type TestContext } from '../../helpers/test-context.ts';
import { managementClient, type ManagementClient } from '../../helpers/management-client.ts';

const SERVER = '/management/v1/organizations/acme/servers/main';

for (const dialect of DIALECTS) {
  describe(`${dialect}: credentials API`, () => {
    let t: TestContext;
    let api: ManagementClient;
    let member: string;
    let outsider: string;

    before(async () => {
      t = await createTestContext(dialect);
      api = managementClient(t.ctx);
      const admin = await api.userToken('admin@acme.test', { admin: true });
      await api.request('POST', '/management/v1/organizations', {
        body: { name: 'Acme', permalink: 'acme' },
        token: admin,
      });
      await api.request('POST', '/management/v1/organizations', {
        body: { name: 'Other', permalink: 'other' },
        token: admin,
      });
      await api.request('POST', '/management/v1/organizations/acme/servers', {
        body: { name: 'Main' },
        token: admin,
      });
      member = await api.userToken('member@acme.test', { organizations: ['acme'] });
      outsider = await api.userToken('member@other.test', { organizations: ['other'] });
    });
    after(() => t.close());

    it('creates an SMTP key, shows it once and stores only its hash', async () => {
      const created = await api.request('POST', `${SERVER}/credentials`, {
        body: { type: 'SMTP', name: 'app' },
        token: member,
      });
      assert.equal(created.status, 201);
      assert.match(created.body.key, /^[A-Za-z0-9]{24}$/);
      assert.equal(created.body.key_prefix, created.body.key.slice(0, 6));
      const row = await t.ctx.db
        .selectFrom('credentials')
        .selectAll()
        .where('uuid', '=', created.body.uuid)
        .executeTakeFirstOrThrow();
      assert.equal(row.key_hash, hashSecret(created.body.key));
      const fetched = await api.request('GET', `${SERVER}/credentials/${created.body.uuid}`, {
        token: member,
      });
      assert.equal(fetched.status, 200);
      assert.equal(fetched.body.key, undefined);
      assert.equal(fetched.body.usage, 'Unused');
    });

    it('puts the credential in the policy snapshot and takes it out when revoked', async () => {
      const created = await api.request('POST', `${SERVER}/credentials`, {
        body: { type: 'API', name: 'api' },
        token: member,
      });
      const hash = hashSecret(created.body.key);
      assert.ok(t.snapshots.at(-1)?.credentials.some((c) => c.keyHash === hash));
      const removed = await api.request('DELETE', `${SERVER}/credentials/${created.body.uuid}`, {
        token: member,
      });
      assert.equal(removed.status, 204);
      assert.ok(!t.snapshots.at(-1)?.credentials.some((c) => c.keyHash === hash));
    });

    it('validates SMTP-IP networks', async () => {
      const bad = await api.request('POST', `${SERVER}/credentials`, {
        body: { type: 'SMTP-IP', name: 'office', network: '10.0.0.0/33' },
        token: member,
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details[0].field, 'network');
      const good = await api.request('POST', `${SERVER}/credentials`, {
        body: { type: 'SMTP-IP', name: 'office', network: '2001:db8::/32' },
        token: member,
      });
      assert.equal(good.status, 201);
      assert.equal(good.body.key, null);
      assert.ok(t.snapshots.at(-1)?.ipCredentials.some((c) => c.network === '2001:db8::/32'));
    });

    it('hides the credentials of another organization', async () => {
      const listed = await api.request('GET', `${SERVER}/credentials`, { token: outsider });
      assert.equal(listed.status, 404);
      assert.equal(listed.body.error.code, 'not_found');
    });
  });
}
