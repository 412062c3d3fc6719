import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addSuppression } from '../../../core/suppressions/suppressions.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { createTestContext, type TestContext } from '../../helpers/test-context.ts';
import { managementClient, type ManagementClient } from '../../helpers/management-client.ts';
import { ManualClock } from '../../fakes/manual-clock.ts';

const SERVER = '/management/v1/organizations/acme/servers/main';
const SUPPRESSIONS = `${SERVER}/suppressions`;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

for (const dialect of DIALECTS) {
  describe(`${dialect}: suppressions API`, () => {
    const clock = new ManualClock();
    let t: TestContext;
    let api: ManagementClient;
    let member: string;
    let outsider: string;
    let serverId: number;

    before(async () => {
      t = await createTestContext(dialect, { clock });
      api = managementClient(t.ctx);
      const admin = await api.userToken('admin@acme.test', { admin: true });
      for (const name of ['Acme', 'Other']) {
        await api.request('POST', '/management/v1/organizations', {
          body: { name, permalink: name.toLowerCase() },
          token: admin,
        });
      }
      const server = await api.request('POST', '/management/v1/organizations/acme/servers', {
        body: { name: 'Main' },
        token: admin,
      });
      const row = await t.ctx.db
        .selectFrom('servers')
        .select('id')
        .where('uuid', '=', server.body.uuid)
        .executeTakeFirstOrThrow();
      serverId = row.id;
      member = await api.userToken('member@acme.test', { organizations: ['acme'] });
      outsider = await api.userToken('member@other.test', { organizations: ['other'] });
    });
    after(() => t.close());

    const entry = (address: string) =>
      api.request('GET', `${SUPPRESSIONS}/${encodeURIComponent(address)}`, { token: member });

    it('adds an address, lower-cased, manual, kept 30 days by default', async () => {
      const created = await api.request('POST', SUPPRESSIONS, {
        body: { address: 'Bob+Orders@Example.com' },
        token: member,
      });
      assert.equal(created.status, 201);
      assert.deepEqual(created.body, {
        address: 'bob+orders@example.com',
        reason: 'added manually',
        source: 'manual',
        timestamp: new Date(clock.now()).toISOString(),
        keep_until: new Date(clock.now() + 30 * DAY).toISOString(),
      });
      const fetched = await entry('BOB+orders@example.com');
      assert.equal(fetched.status, 200);
      assert.deepEqual(fetched.body, created.body);
    });

    it('refreshes an address added again, keeping its first timestamp (always 201)', async () => {
      const first = await api.request('POST', SUPPRESSIONS, {
        body: { address: 'again@example.com' },
        token: member,
      });
      clock.advance(HOUR);
      const keepUntil = new Date(clock.now() + 2 * DAY).toISOString();
      const second = await api.request('POST', SUPPRESSIONS, {
        body: { address: 'AGAIN@example.com', reason: 'asked to stop', keep_until: keepUntil },
        token: member,
      });
      assert.equal(second.status, 201);
      assert.equal(second.body.timestamp, first.body.timestamp);
      assert.equal(second.body.reason, 'asked to stop');
      assert.equal(second.body.keep_until, keepUntil);
      const forever = await api.request('POST', SUPPRESSIONS, {
        body: { address: 'again@example.com', keep_until: null },
        token: member,
      });
      assert.equal(forever.body.keep_until, null);
      const rows = await t.ctx.db
        .selectFrom('suppressions')
        .select('id')
        .where('address', '=', 'again@example.com')
        .execute();
      assert.equal(rows.length, 1);
    });

    it('answers 400 naming the field for every bad input', async () => {
      const cases: [unknown, string][] = [
        [{ address: 'not an address' }, 'address'],
        [{}, 'address'],
        [{ address: 'a@example.com', keep_until: 'tomorrow' }, 'keep_until'],
        [{ address: 'a@example.com', keep_until: new Date(clock.now() - 1000).toISOString() }, 'keep_until'],
        [{ address: 'a@example.com', reason: '' }, 'reason'],
        [{ address: 'a@example.com', source: 'automatic' }, 'source'],
      ];
      for (const [body, field] of cases) {
        const response = await api.request('POST', SUPPRESSIONS, { body, token: member });
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(response.body.error.code, 'invalid_request');
        assert.equal(response.body.error.details[0].field, field, JSON.stringify(body));
      }
      for (const [query, field] of [
        ['limit=0', 'query.limit'],
        ['cursor=nope', 'query.cursor'],
        ['colour=red', 'query.colour'],
      ]) {
        const response = await api.request('GET', `${SUPPRESSIONS}?${query}`, { token: member });
        assert.equal(response.status, 400, query);
        assert.equal(response.body.error.details[0].field, field);
      }
    });

    it('hides expired entries everywhere', async () => {
      await api.request('POST', SUPPRESSIONS, {
        body: { address: 'brief@example.com', keep_until: new Date(clock.now() + HOUR).toISOString() },
        token: member,
      });
      assert.equal((await entry('brief@example.com')).status, 200);
      clock.advance(2 * HOUR);
      assert.equal((await entry('brief@example.com')).status, 404);
      const listed = await api.request('GET', `${SUPPRESSIONS}?address=brief`, { token: member });
      assert.deepEqual(listed.body.data, []);
      const exported = await api.request('GET', `${SUPPRESSIONS}/export`, { token: member });
      assert.doesNotMatch(exported.body, /brief@/);
      const removed = await api.request('DELETE', `${SUPPRESSIONS}/brief%40example.com`, { token: member });
      assert.equal(removed.status, 404);
    });

    it('lists newest first, a page at a time, filtered by a part of the address', async () => {
      for (const address of ['a_b@filter.test', 'axb@filter.test', 'c%d@filter.test']) {
        await addSuppression(t.ctx.db, clock, serverId, address, 'too many hard fails', 'automatic');
      }
      const first = await api.request('GET', `${SUPPRESSIONS}?address=FILTER.test&limit=2`, {
        token: member,
      });
      assert.deepEqual(
        first.body.data.map((item: { address: string }) => item.address),
        ['c%d@filter.test', 'axb@filter.test'],
      );
      const rest = await api.request(
        'GET',
        `${SUPPRESSIONS}?address=filter.test&limit=2&cursor=${first.body.next_cursor}`,
        { token: member },
      );
      assert.deepEqual(
        rest.body.data.map((item: { address: string }) => item.address),
        ['a_b@filter.test'],
      );
      assert.equal(rest.body.next_cursor, null);
      // LIKE's wildcards in the filter match themselves only.
      for (const [filter, expected] of [
        ['a_b', ['a_b@filter.test']],
        ['c%d', ['c%d@filter.test']],
      ] as const) {
        const found = await api.request('GET', `${SUPPRESSIONS}?address=${encodeURIComponent(filter)}`, {
          token: member,
        });
        assert.deepEqual(
          found.body.data.map((item: { address: string }) => item.address),
          expected,
        );
      }
    });

    it('removes an address', async () => {
      await api.request('POST', SUPPRESSIONS, { body: { address: 'remove-me@example.com' }, token: member });
      const removed = await api.request('DELETE', `${SUPPRESSIONS}/Remove-Me%40example.com`, {
        token: member,
      });
      assert.equal(removed.status, 204);
      assert.equal((await entry('remove-me@example.com')).status, 404);
      const again = await api.request('DELETE', `${SUPPRESSIONS}/remove-me%40example.com`, { token: member });
      assert.equal(again.status, 404);
    });

    it('exports every active entry as CSV', async () => {
      await api.request('POST', SUPPRESSIONS, {
        body: { address: 'csv@example.com', reason: 'said "no", twice' },
        token: member,
      });
      await api.request('POST', SUPPRESSIONS, {
        body: { address: 'formula@example.com', reason: '=HYPERLINK("http://evil.test","x")' },
        token: member,
      });
      const exported = await api.request('GET', `${SUPPRESSIONS}/export`, { token: member });
      assert.equal(exported.status, 200);
      assert.match(exported.headers['content-type'] ?? '', /^text\/csv/);
      const lines: string[] = exported.body.trimEnd().split('\r\n');
      assert.equal(lines[0], 'address,reason,source,timestamp,keep_until');
      const addresses = lines.slice(1).map((line) => line.split(',')[0]);
      assert.deepEqual(addresses, [...addresses].sort());
      assert.ok(addresses.includes('bob+orders@example.com'));
      const csvLine = lines.find((line) => line.startsWith('csv@example.com'));
      assert.match(csvLine ?? '', /^csv@example\.com,"said ""no"", twice",manual,/);
      const formula = lines.find((line) => line.startsWith('formula@example.com'));
      assert.match(
        formula ?? '',
        /^formula@example\.com,"'=HYPERLINK\(""http:\/\/evil\.test"",""x""\)",manual,/,
        'a formula is written as text',
      );
    });

    it("hides another organization's suppressions", async () => {
      for (const [method, path] of [
        ['GET', SUPPRESSIONS],
        ['GET', `${SUPPRESSIONS}/export`],
        ['GET', `${SUPPRESSIONS}/bob%2Borders%40example.com`],
        ['DELETE', `${SUPPRESSIONS}/bob%2Borders%40example.com`],
        ['POST', SUPPRESSIONS],
      ] as const) {
        const response = await api.request(method, path, {
          token: outsider,
          ...(method === 'POST' ? { body: { address: 'x@example.com' } } : {}),
        });
        assert.equal(response.status, 404, `${method} ${path}`);
      }
      assert.equal((await entry('bob+orders@example.com')).status, 200);
    });

    it('records changes in the audit log', async () => {
      const entries = await t.ctx.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', 'like', 'suppression.%')
        .orderBy('id')
        .execute();
      const first = entries[0];
      assert.equal(first?.action, 'suppression.create');
      assert.equal(first?.actor_description, 'member@acme.test');
      assert.equal(first?.server_id, serverId);
      assert.deepEqual(JSON.parse(first?.changes ?? 'null'), {
        address: 'bob+orders@example.com',
        reason: 'added manually',
        keep_until: entries[0] && new Date(first.timestamp + 30 * DAY).toISOString(),
      });
      assert.ok(entries.some((e) => e.action === 'suppression.delete'));
    });
  });
}
