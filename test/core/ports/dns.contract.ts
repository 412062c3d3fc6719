import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Dns } from '../../../core/ports.ts';
import type { DnsZone } from '../../fakes/zone-dns.ts';

// What every Dns adapter must answer for a zone, whether it asks a DNS server holding the zone
// (NodeDns against test/helpers/dns-server.ts) or reads it directly (the ZoneDns fake, which has
// to answer as a real resolver would for tests that use it to mean anything). Answers are
// compared as sets: a resolver may return records in any order.

export type DnsFactory = (zone: DnsZone) => Promise<{ dns: Dns; cleanup(): Promise<void> }>;

export interface DnsContractOptions {
  /**
   * Cases an adapter is known to fail, by name, each with the reason: run as node:test todos,
   * so the failure is reported without failing the run.
   */
  todo?: Readonly<Record<string, string>>;
}

const dkimKey = `v=DKIM1; k=rsa; p=${'M'.repeat(392)}`;
const longRecord = `${'a'.repeat(255)}${'b'.repeat(255)}${'c'.repeat(100)}`;
const exactly255 = 'e'.repeat(255);

/** The zone the contract asks about; adapters' own tests may reuse it. */
export const contractZone: DnsZone = {
  'example.com': {
    A: ['192.0.2.10'],
    MX: [
      { exchange: 'mx1.example.com', priority: 10 },
      { exchange: 'mx2.example.com.', priority: 20 },
    ],
    TXT: [['v=spf1 include:spf.postern.localhost ~all'], ['postal-verification abc123']],
  },
  'multi.example.com': { A: ['192.0.2.1', '192.0.2.2', '192.0.2.3'] },
  'Mixed.Example.COM.': { A: ['192.0.2.11'] },
  'postern._domainkey.example.com': { TXT: [[dkimKey]] },
  'long.example.com': { TXT: [[longRecord], [exactly255]] },
  'parts.example.com': { TXT: [['first part ', 'second part']] },
  'v6.example.com': { AAAA: ['2001:db8::1', '2001:0db8:0000:0000:0000:ff00:0042:8329'] },
  'www.example.com': { CNAME: ['example.com'] },
  'alias.example.com': { CNAME: ['www.example.com.'] },
  'rp.example.com': { CNAME: ['rp.postern.localhost'] },
  'big.example.com': { TXT: Array.from({ length: 8 }, (_, index) => [`${index}:${'t'.repeat(200)}`]) },
};

const sorted = <T>(records: readonly T[]): string[] => records.map((record) => JSON.stringify(record)).sort();

function sameRecords<T>(actual: readonly T[], expected: readonly T[], message?: string): void {
  assert.deepEqual(sorted(actual), sorted(expected), message);
}

export function dnsContract(label: string, make: DnsFactory, options: DnsContractOptions = {}): void {
  void describe(`${label}: Dns contract`, () => {
    let dns: Dns;
    let cleanup: () => Promise<void>;

    before(async () => {
      ({ dns, cleanup } = await make(contractZone));
    });
    after(async () => {
      await cleanup();
    });

    const test = (name: string, body: () => Promise<void>) => {
      const todo = options.todo?.[name];
      void it(name, todo === undefined ? {} : { todo }, body);
    };

    test('answers A records', async () => {
      assert.deepEqual(await dns.a('example.com'), ['192.0.2.10']);
      sameRecords(await dns.a('multi.example.com'), ['192.0.2.1', '192.0.2.2', '192.0.2.3']);
    });

    test('answers AAAA records in their compressed form', async () => {
      sameRecords(await dns.aaaa('v6.example.com'), ['2001:db8::1', '2001:db8::ff00:42:8329']);
    });

    test('answers MX records as exchange and priority, without the final dot', async () => {
      const mx = await dns.mx('example.com');
      sameRecords(mx, [
        { exchange: 'mx1.example.com', priority: 10 },
        { exchange: 'mx2.example.com', priority: 20 },
      ]);
      assert.deepEqual(
        mx.map((record) => Object.keys(record).sort()),
        [
          ['exchange', 'priority'],
          ['exchange', 'priority'],
        ],
        'only the port’s members',
      );
    });

    test('answers TXT records as lists of their strings', async () => {
      sameRecords(await dns.txt('example.com'), [
        ['v=spf1 include:spf.postern.localhost ~all'],
        ['postal-verification abc123'],
      ]);
      assert.deepEqual(await dns.txt('parts.example.com'), [['first part ', 'second part']]);
    });

    test('answers a TXT text over 255 bytes as strings of at most 255, as the wire carries it', async () => {
      // RFC 1035 section 3.3: a character-string holds at most 255 bytes, so a zone splits a
      // longer text (a DKIM key) into several; callers join them (RFC 6376 section 3.6.2.2).
      assert.deepEqual(await dns.txt('postern._domainkey.example.com'), [
        [dkimKey.slice(0, 255), dkimKey.slice(255)],
      ]);
      sameRecords(await dns.txt('long.example.com'), [
        ['a'.repeat(255), 'b'.repeat(255), 'c'.repeat(100)],
        [exactly255],
      ]);
    });

    test('answers a large set of records', async () => {
      sameRecords(
        await dns.txt('big.example.com'),
        Array.from({ length: 8 }, (_, index) => [`${index}:${'t'.repeat(200)}`]),
      );
    });

    test('answers CNAME records without the final dot', async () => {
      assert.deepEqual(await dns.cname('www.example.com'), ['example.com']);
      assert.deepEqual(await dns.cname('alias.example.com'), ['www.example.com']);
    });

    test('follows aliases for the other types', async () => {
      assert.deepEqual(await dns.a('www.example.com'), ['192.0.2.10']);
      assert.deepEqual(await dns.a('alias.example.com'), ['192.0.2.10'], 'an alias to an alias');
      sameRecords(await dns.mx('www.example.com'), [
        { exchange: 'mx1.example.com', priority: 10 },
        { exchange: 'mx2.example.com', priority: 20 },
      ]);
    });

    test('resolves a missing name to an empty list, for every type', async () => {
      const name = 'nowhere.example.com';
      assert.deepEqual(
        [
          await dns.a(name),
          await dns.aaaa(name),
          await dns.mx(name),
          await dns.txt(name),
          await dns.cname(name),
        ],
        [[], [], [], [], []],
      );
    });

    test('resolves a missing type of a known name to an empty list', async () => {
      assert.deepEqual(await dns.aaaa('example.com'), [], 'a name with other records only');
      assert.deepEqual(await dns.cname('example.com'), [], 'a name that is no alias');
      assert.deepEqual(await dns.mx('v6.example.com'), []);
      assert.deepEqual(await dns.txt('_domainkey.example.com'), [], 'a name with records only below it');
      assert.deepEqual(await dns.a('rp.example.com'), [], 'an alias to a name outside the zone');
    });

    test('matches names in any case, with or without the final dot', async () => {
      assert.deepEqual(await dns.a('mixed.example.com'), ['192.0.2.11']);
      assert.deepEqual(await dns.a('MIXED.EXAMPLE.COM'), ['192.0.2.11']);
      assert.deepEqual(await dns.a('Example.Com'), ['192.0.2.10']);
      assert.deepEqual(await dns.a('example.com.'), ['192.0.2.10']);
      sameRecords(
        (await dns.mx('EXAMPLE.COM')).map((record) => record.priority),
        [10, 20],
      );
      assert.deepEqual(await dns.cname('WWW.example.COM'), ['example.com']);
      assert.equal((await dns.txt('Postern._DomainKey.Example.Com')).length, 1);
    });
  });
}
