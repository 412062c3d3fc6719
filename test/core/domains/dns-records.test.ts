import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { characterStrings, domainDnsRecords } from '../../../core/domains/dns-records.ts';
import type { Installation } from '../../../core/config.ts';

const installation: Installation = {
  hostname: 'postern.test',
  returnPathDomain: 'rp.postern.test',
  routeDomain: 'routes.postern.test',
  trackDomain: 'track.postern.test',
  spfInclude: 'spf.postern.test',
  mxHosts: ['mx1.postern.test', 'mx2.postern.test'],
  dkimIdentifier: 'postern',
  publicUrl: 'http://localhost:8080',
};

const domain = {
  name: 'example.com',
  verification_token: 'A'.repeat(32),
  dkim_identifier_string: 'abc123',
  verified_at: null,
};

describe('characterStrings', () => {
  it('cuts at 255 bytes and joins back to the value', () => {
    const value = 'x'.repeat(600);
    const strings = characterStrings(value);
    assert.deepEqual(
      strings.map((s) => s.length),
      [255, 255, 90],
    );
    assert.equal(strings.join(''), value);
    assert.deepEqual(characterStrings('short'), ['short']);
    assert.deepEqual(characterStrings(''), ['']);
  });

  it('never splits a UTF-8 sequence', () => {
    const strings = characterStrings(`${'x'.repeat(254)}é${'y'.repeat(10)}`);
    assert.deepEqual(
      strings.map((s) => Buffer.byteLength(s)),
      [254, 12],
    );
  });
});

describe('domainDnsRecords', () => {
  it("gives Postal's records, the verification record only while unverified", () => {
    const records = domainDnsRecords(domain, installation, 'PUBLICKEY');
    assert.deepEqual(records, [
      {
        purpose: 'verification',
        type: 'TXT',
        name: 'example.com',
        value: `postal-verification ${'A'.repeat(32)}`,
        strings: [`postal-verification ${'A'.repeat(32)}`],
      },
      {
        purpose: 'spf',
        type: 'TXT',
        name: 'example.com',
        value: 'v=spf1 a mx include:spf.postern.test ~all',
        strings: ['v=spf1 a mx include:spf.postern.test ~all'],
      },
      {
        purpose: 'dkim',
        type: 'TXT',
        name: 'postern-abc123._domainkey.example.com',
        value: 'v=DKIM1; t=s; h=sha256; p=PUBLICKEY;',
        strings: ['v=DKIM1; t=s; h=sha256; p=PUBLICKEY;'],
      },
      { purpose: 'return_path', type: 'CNAME', name: 'psrp.example.com', value: 'rp.postern.test' },
      { purpose: 'mx', type: 'MX', name: 'example.com', value: 'mx1.postern.test', priority: 10 },
      { purpose: 'mx', type: 'MX', name: 'example.com', value: 'mx2.postern.test', priority: 10 },
    ]);
    const verified = domainDnsRecords({ ...domain, verified_at: 1 }, installation, 'PUBLICKEY');
    assert.ok(!verified.some((record) => record.purpose === 'verification'));
  });
});
