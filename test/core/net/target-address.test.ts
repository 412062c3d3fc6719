import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkTarget, isPrivateAddress, privateRangeOf } from '../../../core/net/target-address.ts';

describe('privateRangeOf', () => {
  const refused: [string, string][] = [
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.254', 'shared (CGNAT)'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'reserved'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::7f00:1', 'IPv4-compatible'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff:fff::1', 'documentation'],
    ['100::1', 'reserved'],
    ['64:ff9b:1::1', 'reserved'],
    ['[::1]', 'loopback'],
  ];
  for (const [address, kind] of refused) {
    it(`puts ${address} in ${kind}`, () => assert.equal(privateRangeOf(address), kind));
  }

  it('judges IPv4 addresses carried in IPv6 by the IPv4 address', () => {
    assert.equal(privateRangeOf('::ffff:127.0.0.1'), 'loopback');
    assert.equal(privateRangeOf('::ffff:7f00:1'), 'loopback');
    assert.equal(privateRangeOf('::ffff:10.1.2.3'), 'private');
    assert.equal(privateRangeOf('::ffff:169.254.169.254'), 'link-local');
    assert.equal(privateRangeOf('64:ff9b::a00:1'), 'private'); // NAT64 of 10.0.0.1
    assert.equal(privateRangeOf('64:ff9b::192.168.0.1'), 'private');
    assert.equal(privateRangeOf('2002:7f00:1::'), 'loopback'); // 6to4 of 127.0.0.1
    assert.equal(privateRangeOf('::ffff:8.8.8.8'), null);
    assert.equal(privateRangeOf('64:ff9b::808:808'), null);
    assert.equal(privateRangeOf('2002:808:808::1'), null);
  });

  it('leaves public unicast addresses alone', () => {
    for (const address of [
      '1.1.1.1',
      '8.8.8.8',
      '9.255.255.255',
      '11.0.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '126.255.255.255',
      '128.0.0.0',
      '169.253.255.255',
      '172.15.255.255',
      '172.32.0.0',
      '192.167.255.255',
      '192.169.0.0',
      '198.17.255.255',
      '198.20.0.0',
      '223.255.255.255',
      '2606:4700:4700::1111',
      '2001:4860:4860::8888',
      '2001:db9::1',
      'fe00::1',
      '::ffff:0:0:1',
    ]) {
      assert.equal(privateRangeOf(address), null, address);
    }
  });

  it('fails closed on text that is not an IP address', () => {
    assert.equal(privateRangeOf('example.com'), 'not an IP address');
    assert.equal(privateRangeOf('127.1'), 'not an IP address');
    assert.equal(privateRangeOf(''), 'not an IP address');
    assert.equal(isPrivateAddress('localhost'), true);
  });

  it('answers isPrivateAddress from the same table', () => {
    assert.equal(isPrivateAddress('192.168.0.1'), true);
    assert.equal(isPrivateAddress('::ffff:192.168.0.1'), true);
    assert.equal(isPrivateAddress('93.184.216.34'), false);
  });
});

describe('checkTarget', () => {
  const strict = { allowPrivate: false };

  it('allows everything when private targets are allowed', () => {
    assert.deepEqual(checkTarget('127.0.0.1', { allowPrivate: true }), { allowed: true });
    assert.deepEqual(checkTarget('localhost', { allowPrivate: true }), { allowed: true });
  });

  it('refuses private literals with a reason naming the range', () => {
    const check = checkTarget('10.0.0.5', strict);
    assert.equal(check.allowed, false);
    assert.match(check.allowed ? '' : check.reason, /10\.0\.0\.5 is not a public address \(private\)/);
    assert.equal(checkTarget('[::1]', strict).allowed, false);
    assert.equal(checkTarget('::ffff:127.0.0.1', strict).allowed, false);
    assert.equal(checkTarget('FE80::1', strict).allowed, false);
  });

  it('refuses localhost names, RFC 6761', () => {
    for (const host of ['localhost', 'LOCALHOST', 'localhost.', 'api.localhost', 'a.b.localhost.']) {
      assert.equal(checkTarget(host, strict).allowed, false, host);
    }
  });

  it('allows public literals and names it cannot judge without DNS', () => {
    for (const host of ['8.8.8.8', '[2606:4700::1]', 'example.com', 'localhost.example.com', 'mylocalhost']) {
      assert.deepEqual(checkTarget(host, strict), { allowed: true }, host);
    }
  });
});
