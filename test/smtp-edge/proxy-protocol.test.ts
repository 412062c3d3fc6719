import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { looksLikeProxyV2, parseProxyV2, proxyV1Line } from '../../smtp-edge/proxy-protocol.ts';
import { ipv4Block as block, proxyV2Header } from '../helpers/proxy-v2-header.ts';

const ipv4Block = block('203.0.113.5', '10.0.0.1', 50000, 25);

void describe('PROXY protocol v2', () => {
  void it('parses a TCP over IPv4 header, skipping TLVs', () => {
    const header = proxyV2Header(1, 0x11, ipv4Block, [0xea, 0x00, 0x02, 0x61, 0x62]);
    const parsed = parseProxyV2(Buffer.concat([header, Buffer.from('EHLO x\r\n')]));
    assert.deepEqual(parsed, {
      status: 'parsed',
      length: header.length,
      source: { address: '203.0.113.5', port: 50000 },
      destination: { address: '10.0.0.1', port: 25 },
    });
    assert.equal(
      proxyV1Line(parsed as Extract<typeof parsed, { status: 'parsed' }>),
      'PROXY TCP4 203.0.113.5 10.0.0.1 50000 25\r\n',
    );
  });

  void it('parses IPv6, reporting IPv4-mapped sources as IPv4', () => {
    const v6 = [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 0x07];
    const mapped = [...Array(10).fill(0), 0xff, 0xff, 198, 51, 100, 20];
    const ports = [0x04, 0x00, 0x01, 0xd1];
    const parsed = parseProxyV2(proxyV2Header(1, 0x21, [...v6, ...mapped, ...ports]));
    assert.equal(parsed.status === 'parsed' && parsed.source?.address, '2001:db8::7');
    assert.equal(parsed.status === 'parsed' && parsed.destination?.address, '198.51.100.20');
    assert.equal(
      parsed.status === 'parsed' && proxyV1Line(parsed),
      'PROXY TCP6 2001:db8::7 198.51.100.20 1024 465\r\n',
    );
  });

  void it('reads LOCAL (health checks) and unknown families as no address', () => {
    const local = parseProxyV2(proxyV2Header(0, 0x00, []));
    assert.deepEqual(local, { status: 'parsed', length: 16, source: null, destination: null });
    assert.equal(local.status === 'parsed' && proxyV1Line(local), 'PROXY UNKNOWN\r\n');
    const unix = parseProxyV2(proxyV2Header(1, 0x31, Array(216).fill(0)));
    assert.equal(unix.status === 'parsed' && unix.source, null);
  });

  void it('waits for the whole header', () => {
    const header = proxyV2Header(1, 0x11, ipv4Block);
    for (const cut of [1, 12, 15, 16, header.length - 1]) {
      assert.deepEqual(parseProxyV2(header.subarray(0, cut)), { status: 'incomplete' }, `cut at ${cut}`);
    }
  });

  void it('refuses headers that are not v2 or do not hold what they claim', () => {
    assert.equal(parseProxyV2(Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n')).status, 'invalid');
    const badVersion = proxyV2Header(1, 0x11, ipv4Block);
    badVersion[12] = 0x11;
    assert.equal(parseProxyV2(badVersion).status, 'invalid');
    assert.equal(parseProxyV2(proxyV2Header(2, 0x11, ipv4Block)).status, 'invalid');
    assert.equal(parseProxyV2(proxyV2Header(1, 0x11, ipv4Block.slice(0, 8))).status, 'invalid');
  });

  void it('tells a v2 start from a v1 line after a byte or two', () => {
    assert.equal(looksLikeProxyV2(Buffer.from([0x0d])), true);
    assert.equal(looksLikeProxyV2(Buffer.from('PROXY')), false);
    assert.equal(looksLikeProxyV2(Buffer.from('\r\nX')), false);
  });
});
