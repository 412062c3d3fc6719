import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeclaredIpPools, DeclaredIpPoolsJson } from '../../../core/ip-pools/ip-pool-schemas.ts';
import { CreateIpPoolRuleInput, PoolCondition } from '../../../core/ip-pools/ip-pool-rule-schemas.ts';

const paths = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  result.error?.issues.map((issue) => issue.path.join('.')) ?? [];

describe('DeclaredIpPools', () => {
  it('fills in defaults and lower-cases host names', () => {
    const pools = DeclaredIpPools.parse([
      { name: 'default', addresses: [{ ipv4: '192.0.2.10', hostname: 'MTA1.Example.com' }] },
    ]);
    assert.deepEqual(pools, [
      {
        name: 'default',
        default: false,
        addresses: [{ ipv4: '192.0.2.10', hostname: 'mta1.example.com', priority: 100 }],
      },
    ]);
  });

  it('rejects unknown keys, addresses without an IP, bad IPs and duplicates, naming each', () => {
    assert.deepEqual(paths(DeclaredIpPools.safeParse([{ name: 'a', addresses: [{ hostname: 'h.test' }] }])), [
      '0.addresses.0.ipv4',
    ]);
    assert.deepEqual(
      paths(
        DeclaredIpPools.safeParse([{ name: 'a', addresses: [{ ipv4: '300.1.1.1', hostname: 'h.test' }] }]),
      ),
      ['0.addresses.0.ipv4'],
    );
    assert.deepEqual(paths(DeclaredIpPools.safeParse([{ name: 'a', addresses: [], colour: 'red' }])), [
      '0.addresses',
      '0',
    ]);
    const twice = [
      { name: 'a', addresses: [{ ipv4: '192.0.2.1', hostname: 'a.test' }] },
      { name: 'a', addresses: [{ ipv4: '192.0.2.1', hostname: 'b.test' }] },
    ];
    assert.deepEqual(paths(DeclaredIpPools.safeParse(twice)), ['1.name', '1.addresses.0.ipv4']);
    assert.deepEqual(
      paths(
        DeclaredIpPools.safeParse([
          { name: 'Not OK', addresses: [{ ipv4: '192.0.2.1', hostname: 'a.test' }] },
        ]),
      ),
      ['0.name'],
    );
  });

  it('parses POSTERN_IP_POOLS from JSON text', () => {
    const text = JSON.stringify([
      {
        name: 'bulk',
        default: true,
        addresses: [{ ipv6: '2001:db8::5', hostname: 'bulk.example.com', priority: 50 }],
      },
    ]);
    assert.equal(DeclaredIpPoolsJson.parse(text)[0]?.addresses[0]?.priority, 50);
    assert.equal(DeclaredIpPoolsJson.safeParse('[{').error?.issues[0]?.message, 'not valid JSON');
    assert.equal(DeclaredIpPoolsJson.safeParse('{}').success, false);
  });
});

describe('IP pool rule conditions', () => {
  it('accepts full addresses and domains, lower-cased', () => {
    assert.equal(PoolCondition.parse(' Bob@Example.COM '), 'bob@example.com');
    assert.equal(PoolCondition.parse('Example.com'), 'example.com');
  });

  it('rejects anything else', () => {
    for (const bad of [
      'bob@',
      '@example.com',
      'two words.com',
      'a@b@c.com',
      'example..com',
      '-x.com',
      'a\nb.com',
    ]) {
      assert.equal(PoolCondition.safeParse(bad).success, false, bad);
    }
  });

  it('needs at least one condition', () => {
    const uuid = '7f1f1c2e-2f1a-4f43-9a55-0c6f1c6b0a11';
    assert.deepEqual(paths(CreateIpPoolRuleInput.safeParse({ ip_pool: uuid })), ['from']);
    assert.deepEqual(CreateIpPoolRuleInput.parse({ ip_pool: uuid, to: ['a.test', 'A.test'] }).to, ['a.test']);
  });
});
