import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orderByPreference, resolveDestinations } from '../../../core/delivery/mx-resolution.ts';
import type { Dns, MxRecord } from '../../../core/ports.ts';
import { ZoneDns, type DnsZone, type RecordType } from '../../fakes/zone-dns.ts';

// resolveDestinations over the declarative zone fake (STYLE habit 3); lookups that time out are a
// ZoneDns whose chosen (type, name) pairs reject, as NodeDns does for a timeout.

const zone: DnsZone = {
  'example.com': {
    MX: [
      { exchange: 'mx2.example.com', priority: 20 },
      { exchange: 'mx1.example.com', priority: 10 },
    ],
  },
  'mx1.example.com': { AAAA: ['2001:db8::1'], A: ['192.0.2.1'] },
  'mx2.example.com': { A: ['192.0.2.2', '192.0.2.3'] },
  'implicit.example': { A: ['192.0.2.10'], AAAA: ['2001:db8::10'] },
  'null.example': { MX: [{ exchange: '.', priority: 0 }] },
  'equal.example': {
    MX: [
      { exchange: 'a.equal.example', priority: 10 },
      { exchange: 'b.equal.example', priority: 10 },
      { exchange: 'c.equal.example', priority: 10 },
      { exchange: 'backup.equal.example', priority: 50 },
    ],
  },
  'a.equal.example': { A: ['192.0.2.21'] },
  'b.equal.example': { A: ['192.0.2.22'] },
  'c.equal.example': { A: ['192.0.2.23'] },
  'backup.equal.example': { A: ['192.0.2.29'] },
  'nameless.example': { MX: [{ exchange: 'gone.nameless.example', priority: 10 }] },
  'xn--bcher-kva.example': { A: ['192.0.2.30'] },
  'flaky.example': { MX: [{ exchange: 'mx.flaky.example', priority: 10 }] },
  'mx.flaky.example': { AAAA: ['2001:db8::40'], A: ['192.0.2.40'] },
};

class FailingDns implements Dns {
  readonly #zone: ZoneDns;
  readonly #failing: Set<string>;

  constructor(zoneDns: ZoneDns, failing: readonly `${RecordType} ${string}`[]) {
    this.#zone = zoneDns;
    this.#failing = new Set(failing);
  }

  #check(type: RecordType, name: string): void {
    if (this.#failing.has(`${type} ${name}`)) {
      throw Object.assign(new Error(`query${type} ETIMEOUT ${name}`), { code: 'ETIMEOUT' });
    }
  }

  async mx(name: string): Promise<MxRecord[]> {
    this.#check('MX', name);
    return this.#zone.mx(name);
  }
  async txt(name: string): Promise<string[][]> {
    return this.#zone.txt(name);
  }
  async a(name: string): Promise<string[]> {
    this.#check('A', name);
    return this.#zone.a(name);
  }
  async aaaa(name: string): Promise<string[]> {
    this.#check('AAAA', name);
    return this.#zone.aaaa(name);
  }
  async cname(name: string): Promise<string[]> {
    return this.#zone.cname(name);
  }
}

const first = () => 0;

void describe('resolveDestinations', () => {
  void it('orders MX hosts by preference, each with AAAA before A', async () => {
    const result = await resolveDestinations(new ZoneDns(zone), 'Example.COM.', { random: first });
    assert.deepEqual(result, {
      status: 'ok',
      domain: 'example.com',
      implicit: false,
      hosts: [
        {
          name: 'mx1.example.com',
          preference: 10,
          addresses: ['2001:db8::1', '192.0.2.1'],
          lookupErrors: [],
        },
        { name: 'mx2.example.com', preference: 20, addresses: ['192.0.2.2', '192.0.2.3'], lookupErrors: [] },
      ],
    });
  });

  void it('uses the domain itself when it has no MX (implicit MX, RFC 5321 §5.1)', async () => {
    const dns = new ZoneDns(zone);
    const result = await resolveDestinations(dns, 'implicit.example');
    assert.deepEqual(result, {
      status: 'ok',
      domain: 'implicit.example',
      implicit: true,
      hosts: [
        {
          name: 'implicit.example',
          preference: 0,
          addresses: ['2001:db8::10', '192.0.2.10'],
          lookupErrors: [],
        },
      ],
    });
    assert.deepEqual(dns.calls[0], { type: 'MX', name: 'implicit.example' });
  });

  void it('fails permanently for a null MX (RFC 7505)', async () => {
    const result = await resolveDestinations(new ZoneDns(zone), 'null.example');
    assert.equal(result.status, 'hard_fail');
    assert.match(result.status === 'hard_fail' ? result.reason : '', /null MX, RFC 7505/);
  });

  void it('fails permanently for a domain with no MX and no address (NXDOMAIN)', async () => {
    const result = await resolveDestinations(new ZoneDns(zone), 'nowhere.example');
    assert.deepEqual(result, {
      status: 'hard_fail',
      domain: 'nowhere.example',
      reason: 'nowhere.example has no MX, A or AAAA record (the domain does not exist or accepts no mail)',
    });
  });

  void it('fails temporarily when the MX lookup times out', async () => {
    const dns = new FailingDns(new ZoneDns(zone), ['MX example.com']);
    const result = await resolveDestinations(dns, 'example.com');
    assert.equal(result.status, 'soft_fail');
    assert.match(
      result.status === 'soft_fail' ? result.reason : '',
      /MX lookup for example\.com failed: .*ETIMEOUT/,
    );
  });

  void it('fails temporarily when an implicit MX has only failing address lookups', async () => {
    const dns = new FailingDns(new ZoneDns(zone), ['A implicit.example', 'AAAA implicit.example']);
    const result = await resolveDestinations(dns, 'implicit.example');
    assert.equal(result.status, 'soft_fail');
  });

  void it('falls back to A when the AAAA lookup fails, and notes the failure', async () => {
    const dns = new FailingDns(new ZoneDns(zone), ['AAAA mx.flaky.example']);
    const result = await resolveDestinations(dns, 'flaky.example');
    assert.equal(result.status, 'ok');
    const [host] = result.status === 'ok' ? result.hosts : [];
    assert.deepEqual(host?.addresses, ['192.0.2.40']);
    assert.match(host?.lookupErrors[0] ?? '', /^AAAA lookup for mx\.flaky\.example failed/);
  });

  void it('falls back to AAAA when the A lookup fails', async () => {
    const dns = new FailingDns(new ZoneDns(zone), ['A mx.flaky.example']);
    const result = await resolveDestinations(dns, 'flaky.example');
    assert.deepEqual(result.status === 'ok' ? result.hosts[0]?.addresses : null, ['2001:db8::40']);
  });

  void it('keeps an MX host without addresses, so the worker can say it was tried', async () => {
    const result = await resolveDestinations(new ZoneDns(zone), 'nameless.example');
    assert.deepEqual(result.status === 'ok' ? result.hosts : null, [
      { name: 'gone.nameless.example', preference: 10, addresses: [], lookupErrors: [] },
    ]);
  });

  void it('asks only for A records when the source address is IPv4', async () => {
    const dns = new ZoneDns(zone);
    const result = await resolveDestinations(dns, 'example.com', { random: first, families: 'ipv4' });
    assert.deepEqual(result.status === 'ok' ? result.hosts[0]?.addresses : null, ['192.0.2.1']);
    assert.equal(
      dns.calls.some((call) => call.type === 'AAAA'),
      false,
    );
  });

  void it('looks up an internationalised domain in its ASCII form (IDNA)', async () => {
    const result = await resolveDestinations(new ZoneDns(zone), 'bücher.example');
    assert.deepEqual(result.status === 'ok' ? [result.domain, result.hosts[0]?.addresses] : null, [
      'xn--bcher-kva.example',
      ['192.0.2.30'],
    ]);
  });

  void it('delivers to an address literal without DNS (RFC 5321 §4.1.3)', async () => {
    const dns = new ZoneDns(zone);
    const v4 = await resolveDestinations(dns, '[192.0.2.99]');
    const v6 = await resolveDestinations(dns, '[IPv6:2001:db8::99]');
    assert.deepEqual(v4.status === 'ok' ? v4.hosts[0]?.addresses : null, ['192.0.2.99']);
    assert.deepEqual(v6.status === 'ok' ? v6.hosts[0]?.addresses : null, ['2001:db8::99']);
    assert.equal((await resolveDestinations(dns, '[not-an-ip]')).status, 'hard_fail');
    assert.deepEqual(dns.calls, []);
  });
});

void describe('orderByPreference', () => {
  const records: MxRecord[] = [
    { exchange: 'backup.equal.example', priority: 50 },
    { exchange: 'a.equal.example', priority: 10 },
    { exchange: 'b.equal.example', priority: 10 },
    { exchange: 'c.equal.example', priority: 10 },
  ];

  const sequence = (values: number[]) => {
    let index = 0;
    return () => values[index++ % values.length] ?? 0;
  };

  void it('shuffles hosts of equal preference with the injected random source', () => {
    const orders = new Set(
      [
        [0, 0],
        [0.99, 0.99],
        [0.5, 0.1],
      ].map((values) =>
        orderByPreference(records, sequence(values))
          .map((record) => record.exchange.split('.')[0])
          .join(','),
      ),
    );
    assert.ok(orders.size > 1, `expected different orders, got ${[...orders].join(' ')}`);
    for (const order of orders) assert.ok(order.endsWith(',backup'), order);
  });

  void it('always puts a worse preference after a better one', () => {
    for (let run = 0; run < 20; run += 1) {
      const ordered = orderByPreference(records, Math.random);
      assert.equal(ordered.at(-1)?.exchange, 'backup.equal.example');
      assert.deepEqual(
        ordered
          .slice(0, 3)
          .map((record) => record.exchange)
          .sort(),
        ['a.equal.example', 'b.equal.example', 'c.equal.example'],
      );
    }
  });

  void it('lists an exchange once, at its best preference, normalised', () => {
    assert.deepEqual(
      orderByPreference(
        [
          { exchange: 'MX.example.com.', priority: 20 },
          { exchange: 'mx.example.com', priority: 5 },
        ],
        first,
      ),
      [{ exchange: 'mx.example.com', priority: 5 }],
    );
  });

  void it('gives the full permutation with a fixed random sequence', () => {
    // Fisher-Yates from the end: index 2 swaps with floor(0*3)=0, index 1 with floor(0*2)=0.
    assert.deepEqual(
      orderByPreference(records, first).map((record) => record.exchange),
      ['b.equal.example', 'c.equal.example', 'a.equal.example', 'backup.equal.example'],
    );
  });
});
