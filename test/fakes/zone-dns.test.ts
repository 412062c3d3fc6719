import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dnsContract } from '../core/ports/dns.contract.ts';
import { ZoneDns } from './zone-dns.ts';

dnsContract('ZoneDns', async (zone) => ({ dns: new ZoneDns(zone), cleanup: async () => {} }));

void describe('ZoneDns beyond the contract', () => {
  void it('records every lookup in calls, as asked', async () => {
    const dns = new ZoneDns({ 'example.com': { A: ['192.0.2.10'] } });
    await dns.a('Example.com');
    await dns.mx('nowhere.example.com');
    await dns.txt('example.com');
    assert.deepEqual(dns.calls, [
      { type: 'A', name: 'Example.com' },
      { type: 'MX', name: 'nowhere.example.com' },
      { type: 'TXT', name: 'example.com' },
    ]);
  });
});
