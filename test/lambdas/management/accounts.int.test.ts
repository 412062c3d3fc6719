import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../helpers/databases.ts';
import { createTestContext, type TestContext } from '../../helpers/test-context.ts';
import { managementClient, type ManagementClient } from '../../helpers/management-client.ts';
import { ManualClock } from '../../fakes/manual-clock.ts';
import { runScheduledTasks } from '../../../core/maintenance/scheduled-tasks.ts';

// Sessions, tokens, users, organizations and servers: the accounts side of the management API.

const V1 = '/management/v1';
const HOUR = 3_600_000;

for (const dialect of DIALECTS) {
  describe(`${dialect}: accounts in the management API`, () => {
    let t: TestContext;
    let api: ManagementClient;
    let clock: ManualClock;
    let admin: string;

    before(async () => {
      clock = new ManualClock(Date.now());
      t = await createTestContext(dialect, { clock });
      api = managementClient(t.ctx);
      admin = await api.userToken('root@postern.test', { admin: true });
    });
    after(() => t.close());

    const login = (email: string, password: string) =>
      api.request('POST', `${V1}/sessions`, { body: { email, password }, token: null });

    it('logs in and out; a logged-out token is refused', async () => {
      await api.request('POST', `${V1}/users`, {
        body: { email: 'Ada@Example.com', first_name: 'Ada', password: 'analytical engine' },
        token: admin,
      });
      const session = await login('ada@example.com', 'analytical engine');
      assert.equal(session.status, 201);
      assert.match(session.body.token, /^pst_[A-Za-z0-9]{40}$/);
      assert.equal(session.body.user.email, 'ada@example.com');
      const me = await api.request('GET', `${V1}/me`, { token: session.body.token });
      assert.equal(me.body.user.first_name, 'Ada');
      assert.equal(
        (await api.request('DELETE', `${V1}/sessions/current`, { token: session.body.token })).status,
        204,
      );
      assert.equal((await api.request('GET', `${V1}/me`, { token: session.body.token })).status, 401);
    });

    it('throttles failed logins per account and says when to try again', async () => {
      for (let n = 0; n < 5; n += 1) assert.equal((await login('ada@example.com', 'wrong')).status, 401);
      const blocked = await login('ada@example.com', 'analytical engine');
      assert.equal(blocked.status, 429);
      assert.equal(blocked.body.error.code, 'too_many_requests');
      assert.ok(Number(blocked.headers['retry-after']) > 0);
      clock.advance(16 * 60_000);
      assert.equal((await login('ada@example.com', 'analytical engine')).status, 201);
    });

    it('answers the same for an unknown account as for a wrong password', async () => {
      const unknown = await login('nobody@example.com', 'whatever password');
      const wrong = await login('root@postern.test', 'whatever password');
      assert.equal(unknown.status, 401);
      assert.deepEqual(unknown.body.error.message, wrong.body.error.message);
    });

    it('changes a password only with the current one, ending other sessions', async () => {
      const first = (await login('ada@example.com', 'analytical engine')).body.token;
      const second = (await login('ada@example.com', 'analytical engine')).body.token;
      const wrong = await api.request('PATCH', `${V1}/me`, {
        body: { password: { current: 'nope', new: 'difference engine' } },
        token: first,
      });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.error.details[0].field, 'password.current');
      const changed = await api.request('PATCH', `${V1}/me`, {
        body: { password: { current: 'analytical engine', new: 'difference engine' } },
        token: first,
      });
      assert.equal(changed.status, 200);
      assert.equal((await api.request('GET', `${V1}/me`, { token: first })).status, 200);
      assert.equal((await api.request('GET', `${V1}/me`, { token: second })).status, 401);
    });

    it('lets administrators manage users, and no one delete themselves', async () => {
      const user = await api.request('POST', `${V1}/users`, {
        body: { email: 'grace@example.com', first_name: 'Grace', password: 'cobol cobol', admin: false },
        token: admin,
      });
      assert.equal(user.status, 201);
      const duplicate = await api.request('POST', `${V1}/users`, {
        body: { email: 'GRACE@example.com', first_name: 'G', password: 'cobol cobol' },
        token: admin,
      });
      assert.equal(duplicate.status, 409);
      const updated = await api.request('PATCH', `${V1}/users/${user.body.uuid}`, {
        body: { admin: true },
        token: admin,
      });
      assert.equal(updated.body.admin, true);
      const me = await api.request('GET', `${V1}/me`, { token: admin });
      const self = await api.request('DELETE', `${V1}/users/${me.body.user.uuid}`, { token: admin });
      assert.equal(self.status, 403);
      assert.equal(
        (await api.request('DELETE', `${V1}/users/${user.body.uuid}`, { token: admin })).status,
        204,
      );
      assert.equal((await api.request('GET', `${V1}/users/${user.body.uuid}`, { token: admin })).status, 404);
    });

    it('keeps admin-only server fields and suspension to administrators, and suspension reaches the snapshot', async () => {
      await api.request('POST', `${V1}/organizations`, {
        body: { name: 'Shop', permalink: 'shop' },
        token: admin,
      });
      const member = await api.userToken('clerk@shop.test', { organizations: ['shop'] });
      const created = await api.request('POST', `${V1}/organizations/shop/servers`, {
        body: { name: 'Orders', mode: 'Development', spam_threshold: 6.5 },
        token: member,
      });
      assert.equal(created.status, 201);
      assert.equal(created.body.permalink, 'orders');
      assert.match(created.body.token, /^[a-z0-9]{6}$/);
      const limited = await api.request('PATCH', `${V1}/organizations/shop/servers/orders`, {
        body: { send_limit: 100, privacy_mode: true },
        token: member,
      });
      assert.equal(limited.status, 403);
      assert.deepEqual(
        limited.body.error.details.map((d: { field: string }) => d.field),
        ['send_limit', 'privacy_mode'],
      );
      assert.equal(
        (
          await api.request('POST', `${V1}/organizations/shop/servers/orders/suspend`, {
            body: { reason: 'abuse' },
            token: member,
          })
        ).status,
        403,
      );
      const suspended = await api.request('POST', `${V1}/organizations/shop/servers/orders/suspend`, {
        body: { reason: 'abuse' },
        token: admin,
      });
      assert.equal(suspended.body.status, 'Suspended');
      const server = t.snapshots.at(-1)?.servers.find((s) => s.permalink === 'orders');
      assert.equal(server?.suspended, true);
      await api.request('POST', `${V1}/organizations/shop/servers/orders/unsuspend`, { token: admin });
      assert.equal(t.snapshots.at(-1)?.servers.find((s) => s.permalink === 'orders')?.suspended, false);
      const clash = await api.request('POST', `${V1}/organizations/shop/servers`, {
        body: { name: 'Orders' },
        token: member,
      });
      assert.equal(clash.status, 409);
    });

    it('deletes an organization at once and purges its data in the background', async () => {
      await api.request('POST', `${V1}/organizations`, {
        body: { name: 'Gone', permalink: 'gone' },
        token: admin,
      });
      await api.request('POST', `${V1}/organizations/gone/servers`, { body: { name: 'Main' }, token: admin });
      const key = await api.request('POST', `${V1}/organizations/gone/servers/main/credentials`, {
        body: { type: 'SMTP', name: 'k' },
        token: admin,
      });
      assert.equal(key.status, 201);
      assert.equal((await api.request('DELETE', `${V1}/organizations/gone`, { token: admin })).status, 204);
      assert.equal((await api.request('GET', `${V1}/organizations/gone`, { token: admin })).status, 404);
      assert.ok(!t.snapshots.at(-1)?.servers.some((s) => s.organizationPermalink === 'gone'));
      const outcome = await runScheduledTasks(t.ctx, 10_000);
      assert.equal(outcome['purge-deleted'], 'ok');
      const rows = await Promise.all([
        t.ctx.db.selectFrom('organizations').select('id').where('permalink', '=', 'gone').execute(),
        t.ctx.db.selectFrom('credentials').select('id').where('uuid', '=', key.body.uuid).execute(),
      ]);
      assert.deepEqual(rows, [[], []]);
    });

    it('makes personal access tokens that work until revoked or expired, shown once', async () => {
      const created = await api.request('POST', `${V1}/tokens`, {
        body: { name: 'ci', expires_in_days: 1 },
        token: admin,
      });
      assert.equal(created.status, 201);
      assert.match(created.body.token, /^pat_/);
      assert.equal(created.body.prefix, created.body.token.slice(0, 10));
      const listed = await api.request('GET', `${V1}/tokens`, { token: created.body.token });
      assert.equal(listed.status, 200);
      assert.equal(listed.body.data[0].token, undefined, 'a listed token shows no secret');
      const other = await api.request('POST', `${V1}/tokens`, { body: { name: 'other' }, token: admin });
      assert.equal((await api.request('GET', `${V1}/me`, { token: other.body.token })).status, 200);
      const revoked = await api.request('DELETE', `${V1}/tokens/${other.body.uuid}`, { token: admin });
      assert.equal(revoked.status, 204);
      assert.equal((await api.request('GET', `${V1}/me`, { token: other.body.token })).status, 401);
      clock.advance(25 * HOUR);
      assert.equal((await api.request('GET', `${V1}/me`, { token: created.body.token })).status, 401);
    });

    it('ends sessions after 30 days even when used every day', async () => {
      const token = (await login('ada@example.com', 'difference engine')).body.token;
      for (let day = 0; day < 29; day += 1) {
        clock.advance(23 * HOUR);
        assert.equal((await api.request('GET', `${V1}/me`, { token })).status, 200, `day ${day}`);
      }
      clock.advance(25 * HOUR);
      assert.equal((await api.request('GET', `${V1}/me`, { token })).status, 401);
    });
    it('writes every change to the audit log', async () => {
      const entries = await t.ctx.db.selectFrom('audit_log').select('action').execute();
      const actions = new Set(entries.map((e) => e.action));
      for (const action of [
        'user.create',
        'organization.create',
        'server.create',
        'server.suspend',
        'credential.create',
        'token.create',
        'organization.delete',
      ]) {
        assert.ok(actions.has(action), action);
      }
    });
  });
}
