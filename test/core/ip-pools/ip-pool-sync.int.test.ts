import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { syncIpPools } from '../../../core/ip-pools/ip-pool-sync.ts';
import type { DeclaredIpPools } from '../../../core/ip-pools/ip-pool-schemas.ts';
import { createOrganization } from '../../../core/organizations/organizations.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { createTestContext, type TestContext } from '../../helpers/test-context.ts';
import { testAdmin } from '../../helpers/actors.ts';

const local: DeclaredIpPools = [
  { name: 'default', default: true, addresses: [{ ipv4: '127.0.0.1', hostname: 'postern.test' }] },
];

for (const dialect of DIALECTS) {
  describe(`${dialect}: syncIpPools`, () => {
    let t: TestContext;

    before(async () => {
      t = await createTestContext(dialect);
    });
    after(() => t.close());

    const pools = () => t.ctx.db.selectFrom('ip_pools').selectAll().orderBy('id').execute();
    const addresses = () => t.ctx.db.selectFrom('ip_addresses').selectAll().orderBy('id').execute();
    const syncEntries = () =>
      t.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'ip_pool.sync').execute();

    it('creates the declared pools, and changes nothing when run again', async () => {
      const first = await syncIpPools(t.ctx, local);
      assert.deepEqual(first, { created: ['default'], updated: [], undeclared: [] });
      const before = { pools: await pools(), addresses: await addresses() };
      assert.equal(before.pools[0]?.is_default, 1);
      assert.equal(before.addresses[0]?.priority, 100);
      const second = await syncIpPools(t.ctx, local);
      assert.deepEqual(second, { created: [], updated: [], undeclared: [] });
      assert.deepEqual({ pools: await pools(), addresses: await addresses() }, before);
      assert.equal((await syncEntries()).length, 1, 'a sync that changes nothing is not audited');
    });

    it('attaches default pools to organizations created afterwards', async () => {
      const organization = await createOrganization(t.ctx, testAdmin, { name: 'Acme', time_zone: 'UTC' });
      const attached = await t.ctx.db
        .selectFrom('organization_ip_pools')
        .innerJoin('organizations', 'organizations.id', 'organization_ip_pools.organization_id')
        .select('organization_ip_pools.ip_pool_id')
        .where('organizations.uuid', '=', organization.uuid)
        .execute();
      assert.deepEqual(
        attached.map((row) => row.ip_pool_id),
        (await pools()).map((pool) => pool.id),
      );
    });

    it('replaces addresses that changed and keeps undeclared pools without their default flag', async () => {
      const original = (await pools())[0];
      const report = await syncIpPools(t.ctx, [
        {
          name: 'transactional',
          default: true,
          addresses: [
            { ipv4: '192.0.2.10', hostname: 'mta1.example.com', priority: 80 },
            { ipv6: '2001:db8::10', hostname: 'mta2.example.com' },
          ],
        },
      ]);
      assert.deepEqual(report, { created: ['transactional'], updated: [], undeclared: ['default'] });
      const [kept, added] = await pools();
      assert.equal(kept?.uuid, original?.uuid);
      assert.equal(kept?.is_default, 0);
      assert.equal(added?.is_default, 1);
      const again = await syncIpPools(t.ctx, [
        {
          name: 'transactional',
          default: true,
          addresses: [{ ipv4: '192.0.2.11', hostname: 'mta3.example.com' }],
        },
        { name: 'default', default: false, addresses: [{ ipv4: '127.0.0.1', hostname: 'postern.test' }] },
      ]);
      assert.deepEqual(again, { created: [], updated: ['transactional'], undeclared: [] });
      const rows = await t.ctx.db
        .selectFrom('ip_addresses')
        .select(['ipv4', 'ipv6', 'hostname', 'priority'])
        .where('ip_pool_id', '=', added?.id ?? 0)
        .execute();
      assert.deepEqual(rows, [
        { ipv4: '192.0.2.11', ipv6: null, hostname: 'mta3.example.com', priority: 100 },
      ]);
      const entries = await syncEntries();
      assert.equal(entries.length, 3);
      assert.equal(entries[2]?.actor_description, 'system');
    });

    it('refuses an invalid declaration without changing anything', async () => {
      const before = await pools();
      await assert.rejects(
        syncIpPools(t.ctx, [{ name: 'x', default: false, addresses: [{ hostname: 'no-ip.test' }] }]),
        /ipv4/,
      );
      assert.deepEqual(await pools(), before);
    });
  });
}
