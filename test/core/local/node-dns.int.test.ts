import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { NodeDns } from '../../../core/local/node-dns.ts';
import { startDnsServer, type DnsServer } from '../../helpers/dns-server.ts';
import { ZoneDns, type DnsZone } from '../../fakes/zone-dns.ts';

const dkimKey = `v=DKIM1; k=rsa; p=${'M'.repeat(392)}`;

const zone: DnsZone = {
  'example.com': {
    A: ['192.0.2.10'],
    MX: [
      { exchange: 'mx1.example.com', priority: 10 },
      { exchange: 'mx2.example.com.', priority: 20 },
    ],
    TXT: [['v=spf1 include:spf.postern.localhost ~all'], ['postal-verification abc123']],
  },
  'Mixed.Example.COM.': { A: ['192.0.2.11'] },
  'postern._domainkey.example.com': { TXT: [[dkimKey]] },
  'v6.example.com': { AAAA: ['2001:db8::1', '2001:0db8:0000:0000:0000:ff00:0042:8329'] },
  'www.example.com': { CNAME: ['example.com'] },
  'rp.example.com': { CNAME: ['rp.postern.localhost'] },
  'big.example.com': { TXT: Array.from({ length: 8 }, (_, index) => [`${index}:${'t'.repeat(200)}`]) },
};

void describe('NodeDns against a DNS server on loopback', () => {
  let server: DnsServer;
  let dns: NodeDns;
  const fake = new ZoneDns(zone);

  before(async () => {
    server = await startDnsServer(zone);
    dns = new NodeDns({ servers: [server.address], timeoutMs: 2000 });
  });
  after(async () => {
    await server.close();
  });

  void it('resolves an A and an MX record', async () => {
    assert.deepEqual(await dns.a('example.com'), ['192.0.2.10']);
    const mx = await dns.mx('example.com');
    assert.deepEqual(
      mx.sort((left, right) => left.priority - right.priority),
      [
        { exchange: 'mx1.example.com', priority: 10 },
        { exchange: 'mx2.example.com', priority: 20 },
      ],
    );
    assert.deepEqual(server.calls.slice(0, 2), [
      { type: 'A', name: 'example.com', transport: 'udp' },
      { type: 'MX', name: 'example.com', transport: 'udp' },
    ]);
  });

  void it('resolves TXT, AAAA and CNAME records', async () => {
    assert.deepEqual((await dns.txt('example.com')).sort(), [
      ['postal-verification abc123'],
      ['v=spf1 include:spf.postern.localhost ~all'],
    ]);
    assert.deepEqual(await dns.aaaa('v6.example.com'), ['2001:db8::1', '2001:db8::ff00:42:8329']);
    assert.deepEqual(await dns.cname('www.example.com'), ['example.com']);
  });

  void it('splits TXT strings over 255 bytes, as zone files must', async () => {
    assert.deepEqual(await dns.txt('postern._domainkey.example.com'), [
      [dkimKey.slice(0, 255), dkimKey.slice(255)],
    ]);
  });

  void it('follows an alias for other types, and matches names in any case', async () => {
    assert.deepEqual(await dns.a('www.example.com'), ['192.0.2.10']);
    assert.deepEqual(await dns.a('MIXED.example.com'), ['192.0.2.11']);
  });

  void it('answers a response too big for UDP over TCP', async () => {
    const records = await dns.txt('big.example.com');
    assert.equal(records.length, 8);
    const asked = server.calls.filter((call) => call.name === 'big.example.com');
    assert.deepEqual(
      asked.map((call) => call.transport),
      ['udp', 'tcp'],
    );
  });

  void it('resolves missing names and missing records to empty lists', async () => {
    assert.deepEqual(await dns.a('nowhere.example.com'), []);
    assert.deepEqual(await dns.mx('nowhere.example.com'), []);
    assert.deepEqual(await dns.aaaa('example.com'), [], 'a name with other records only');
    assert.deepEqual(await dns.txt('_domainkey.example.com'), [], 'a name with records only below it');
    assert.deepEqual(await dns.a('rp.example.com'), [], 'an alias to a name outside the zone');
  });

  void it('gives the same answers as ZoneDns for the same zone', async () => {
    const questions: [keyof ZoneDns & ('a' | 'aaaa' | 'mx' | 'txt' | 'cname'), string][] = [
      ['a', 'example.com'],
      ['a', 'www.example.com'],
      ['a', 'nowhere.example.com'],
      ['aaaa', 'v6.example.com'],
      ['mx', 'example.com'],
      ['mx', 'www.example.com'],
      ['txt', 'example.com'],
      ['cname', 'www.example.com'],
      ['cname', 'example.com'],
    ];
    for (const [method, name] of questions) {
      const sorted = (records: unknown[]) => records.map((record) => JSON.stringify(record)).sort();
      assert.deepEqual(
        sorted(await dns[method](name)),
        sorted(await fake[method](name)),
        `${method} ${name}`,
      );
    }
  });

  void it('rejects when the server does not answer', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const unanswered = new NodeDns({
        servers: [`127.0.0.1:${silent.address().port}`],
        timeoutMs: 200,
        tries: 1,
      });
      await assert.rejects(unanswered.a('example.com'), { code: 'ETIMEOUT' });
    } finally {
      await new Promise<void>((resolve) => silent.close(resolve));
    }
  });

  void it('refuses unknown options', () => {
    assert.throws(() => new NodeDns({ timeout: 5 } as never));
  });
});
