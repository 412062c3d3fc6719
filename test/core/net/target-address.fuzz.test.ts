import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BlockList } from 'node:net';
import fc from 'fast-check';
import { privateRangeOf } from '../../../core/net/target-address.ts';

// An independent reference: Node's BlockList over the IPv4 ranges the module must refuse.
const ipv4Reference = new BlockList();
for (const cidr of [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
]) {
  const [network = '', prefix = ''] = cidr.split('/');
  ipv4Reference.addSubnet(network, Number(prefix), 'ipv4');
}

const hex = (bytes: number[], at: number) => (((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0)).toString(16);
const fullIpv6 = (bytes: number[]) => Array.from({ length: 8 }, (_, i) => hex(bytes, i * 2)).join(':');
/** The WHATWG URL parser's canonical (compressed) spelling of the same address. */
const canonicalIpv6 = (bytes: number[]) => new URL(`http://[${fullIpv6(bytes)}]/`).hostname.slice(1, -1);

describe('privateRangeOf (properties)', () => {
  it('agrees with BlockList on every IPv4 address', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        assert.equal(privateRangeOf(address) !== null, ipv4Reference.check(address, 'ipv4'), address);
      }),
      { numRuns: 5000 },
    );
  });

  it('judges an IPv4-mapped address as its IPv4 address', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        assert.equal(privateRangeOf(`::ffff:${address}`), privateRangeOf(address));
      }),
    );
  });

  it('gives the same answer however an IPv6 address is spelled', () => {
    const prefixes = [
      [],
      [0xfe, 0x80],
      [0xfc],
      [0xff],
      [0x20, 0x01, 0x0d, 0xb8],
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ];
    const bytes = fc
      .tuple(
        fc.constantFrom(...prefixes),
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 }),
      )
      .map(([prefix, random]) => [...prefix, ...random.slice(prefix.length)]);
    fc.assert(
      fc.property(bytes, (address) => {
        assert.equal(privateRangeOf(canonicalIpv6(address)), privateRangeOf(fullIpv6(address)));
      }),
      { numRuns: 2000 },
    );
  });
});
