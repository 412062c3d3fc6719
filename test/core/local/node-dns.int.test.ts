import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { NodeDns } from '../../../core/local/node-dns.ts';
import { startDnsServer, type DnsServer } from '../../helpers/dns-server.ts';
import { contractZone, dnsContract } from '../ports/dns.contract.ts';

dnsContract('NodeDns against a DNS server on loopback', async (zone) => {
  const server = await startDnsServer(zone);
  return {
    dns: new NodeDns({ servers: [server.address], timeoutMs: 2000 }),
    cleanup: () => server.close(),
  };
});

void describe('NodeDns beyond the contract', () => {
  let server: DnsServer;
  let dns: NodeDns;

  before(async () => {
    server = await startDnsServer(contractZone);
    dns = new NodeDns({ servers: [server.address], timeoutMs: 2000 });
  });
  after(async () => {
    await server.close();
  });

  void it('asks over UDP, and again over TCP when the answer is too big for UDP', async () => {
    await dns.a('example.com');
    assert.equal((await dns.txt('big.example.com')).length, 8);
    assert.deepEqual(
      server.calls.map(({ type, name, transport }) => `${type} ${name} ${transport}`),
      ['A example.com udp', 'TXT big.example.com udp', 'TXT big.example.com tcp'],
    );
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
