import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DNS_CACHE_MS, DnsCache } from '../../../core/delivery/dns-cache.ts';
import type { Dns } from '../../../core/ports.ts';
import { ManualClock } from '../../fakes/manual-clock.ts';
import { ZoneDns } from '../../fakes/zone-dns.ts';

/** A zone that counts the lookups that reach it, and can be made to fail. */
function countingZone() {
  const zone = new ZoneDns({
    'example.com': { MX: [{ exchange: 'mx.example.com', priority: 10 }] },
    'mx.example.com': { A: ['192.0.2.1'] },
  });
  const lookups: string[] = [];
  let failing = false;
  const wrap =
    <K extends keyof Dns>(type: K) =>
    (name: string) => {
      lookups.push(`${type} ${name}`);
      if (failing) return Promise.reject(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' }));
      return (zone[type] as (name: string) => ReturnType<Dns[K]>)(name);
    };
  const dns: Dns = {
    mx: wrap('mx'),
    txt: wrap('txt'),
    a: wrap('a'),
    aaaa: wrap('aaaa'),
    cname: wrap('cname'),
  };
  return { dns, lookups, fail: (value: boolean) => (failing = value) };
}

void describe('DnsCache', () => {
  void it('asks once for a name while its answer is fresh, whatever the case of the name, then again', async () => {
    const clock = new ManualClock();
    const { dns, lookups } = countingZone();
    const cache = new DnsCache(dns, clock);
    assert.deepEqual(await cache.mx('example.com'), [{ exchange: 'mx.example.com', priority: 10 }]);
    assert.deepEqual(await cache.mx('EXAMPLE.com'), [{ exchange: 'mx.example.com', priority: 10 }]);
    clock.advance(DNS_CACHE_MS - 1);
    await cache.mx('example.com');
    assert.deepEqual(lookups, ['mx example.com']);
    clock.advance(1);
    await cache.mx('example.com');
    assert.deepEqual(lookups, ['mx example.com', 'mx example.com']);
  });

  void it('shares a lookup already on its way, and keeps empty answers apart by type', async () => {
    const { dns, lookups } = countingZone();
    const cache = new DnsCache(dns, new ManualClock());
    const answers = await Promise.all([cache.a('mx.example.com'), cache.a('mx.example.com')]);
    assert.deepEqual(answers, [['192.0.2.1'], ['192.0.2.1']]);
    assert.deepEqual(await cache.aaaa('mx.example.com'), []);
    assert.deepEqual(await cache.aaaa('mx.example.com'), [], 'no AAAA is an answer, kept as well');
    assert.deepEqual(lookups, ['a mx.example.com', 'aaaa mx.example.com']);
  });

  void it('keeps no failure: the next lookup asks again', async () => {
    const { dns, lookups, fail } = countingZone();
    const cache = new DnsCache(dns, new ManualClock());
    fail(true);
    await assert.rejects(cache.mx('example.com'), { code: 'ETIMEOUT' });
    fail(false);
    assert.equal((await cache.mx('example.com')).length, 1);
    assert.deepEqual(lookups, ['mx example.com', 'mx example.com']);
  });
});
