import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Installation } from '../../../core/config.ts';
import type { Dns } from '../../../core/ports.ts';
import { checkCname, checkDkim, checkMx, checkSpf, dnsOk, lookup } from '../../../core/domains/dns-checks.ts';
import { checkDomainRecords } from '../../../core/domains/domain-checks.ts';
import { characterStrings, dkimRecordValue } from '../../../core/domains/dns-records.ts';
import { ZoneDns, type DnsZone } from '../../fakes/zone-dns.ts';

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
const domain = { name: 'example.com', verification_token: 'token', dkim_identifier_string: 'abc123' };
const PUBLIC_KEY = 'K'.repeat(392);
const DKIM = dkimRecordValue(PUBLIC_KEY);
const SELECTOR = 'postern-abc123._domainkey.example.com';

const goodZone: DnsZone = {
  'example.com': {
    TXT: [['v=spf1 a mx include:spf.postern.test ~all'], ['google-site-verification=x']],
    MX: [
      { exchange: 'mx1.postern.test', priority: 10 },
      { exchange: 'MX2.postern.test.', priority: 20 },
    ],
  },
  [SELECTOR]: { TXT: [characterStrings(DKIM)] },
  'psrp.example.com': { CNAME: ['rp.postern.test'] },
};

const run = (zone: DnsZone) => checkDomainRecords(new ZoneDns(zone), installation, domain, PUBLIC_KEY);
const answer = <T>(records: T) => ({ ok: true as const, records });
const failed = { ok: false as const, reason: 'queryTxt ETIMEOUT example.com' };

describe('domain DNS checks', () => {
  it('are all OK for a correct zone, a DKIM record split into character strings included', async () => {
    const zone = new ZoneDns(goodZone);
    const outcome = await checkDomainRecords(zone, installation, domain, PUBLIC_KEY);
    const ok = { status: 'OK', error: null };
    assert.deepEqual(outcome, { spf: ok, dkim: ok, mx: ok, returnPath: ok });
    assert.deepEqual(
      zone.calls.toSorted((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type)),
      [
        { type: 'MX', name: 'example.com' },
        { type: 'TXT', name: 'example.com' },
        { type: 'TXT', name: SELECTOR },
        { type: 'CNAME', name: 'psrp.example.com' },
      ],
    );
    assert.ok((goodZone[SELECTOR]?.TXT?.[0]?.length ?? 0) > 1, 'the fixture is really split');
  });

  it('are Missing for an empty zone', async () => {
    const outcome = await run({});
    assert.deepEqual(
      Object.values(outcome).map((check) => check.status),
      ['Missing', 'Missing', 'Missing', 'Missing'],
    );
    assert.equal(outcome.spf.error, 'No SPF record exists for example.com');
    assert.equal(outcome.dkim.error, `No TXT record exists at ${SELECTOR}`);
    assert.equal(outcome.returnPath.error, 'No CNAME record exists at psrp.example.com');
  });

  it('are Invalid for records that are there but wrong', async () => {
    const outcome = await run({
      'example.com': {
        TXT: [['v=spf1 include:spf.postern.test.evil.example ~all']],
        MX: [{ exchange: 'mx1.postern.test', priority: 10 }],
      },
      [SELECTOR]: { TXT: [['v=DKIM1; t=s; h=sha256; p=OTHER;']] },
      'psrp.example.com': { CNAME: ['bounces.elsewhere.example'] },
    });
    assert.deepEqual(
      Object.values(outcome).map((check) => check.status),
      ['Invalid', 'Invalid', 'Invalid', 'Invalid'],
    );
    assert.match(
      outcome.spf.error ?? '',
      /^Expected the SPF record of example.com to include:spf.postern.test, found/,
    );
    assert.match(outcome.dkim.error ?? '', /found "v=DKIM1; t=s; h=sha256; p=OTHER;"$/);
    assert.equal(
      outcome.mx.error,
      'Expected MX records for mx2.postern.test at example.com as well, found mx1.postern.test',
    );
    assert.equal(
      outcome.returnPath.error,
      'Expected the CNAME record at psrp.example.com to point to rp.postern.test, found bounces.elsewhere.example',
    );
  });

  it('store null statuses with the reason when the resolver fails', async () => {
    const broken: Dns = {
      mx: async () => {
        throw new Error('queryMx ETIMEOUT example.com');
      },
      txt: async () => {
        throw new Error('queryTxt ESERVFAIL example.com');
      },
      a: async () => [],
      aaaa: async () => [],
      cname: async () => [],
    };
    const outcome = await checkDomainRecords(broken, installation, domain, PUBLIC_KEY);
    assert.deepEqual(outcome.spf, {
      status: null,
      error: 'Could not look up the TXT records of example.com: queryTxt ESERVFAIL example.com',
    });
    assert.equal(outcome.dkim.status, null);
    assert.equal(outcome.mx.status, null);
    assert.equal(outcome.returnPath.status, 'Missing');
  });
});

describe('checkSpf', () => {
  it('looks only at v=spf1 records and matches the include term exactly', () => {
    const spf = (...records: string[][]) =>
      checkSpf('example.com', answer(records), 'spf.postern.test').status;
    assert.equal(spf(['v=spf1 ip4:192.0.2.1 ', 'include:SPF.postern.test. -all']), 'OK');
    assert.equal(spf(['v=spf1 +include:spf.postern.test ~all']), 'OK');
    assert.equal(spf(['include:spf.postern.test']), 'Missing');
    assert.equal(spf(['v=spf10 include:spf.postern.test']), 'Missing');
    assert.equal(spf(['v=spf1 -all'], ['v=spf1 include:spf.postern.test ~all']), 'OK');
    assert.equal(checkSpf('example.com', failed, 'spf.postern.test').status, null);
  });
});

describe('checkDkim', () => {
  const dkim = (...records: string[][]) => checkDkim(SELECTOR, answer(records), DKIM);

  it('joins character strings and ignores spaces around ; and a missing trailing ;', () => {
    assert.equal(dkim(characterStrings(DKIM)).status, 'OK');
    assert.equal(dkim([`v=DKIM1;t=s ;  h=sha256;p=${PUBLIC_KEY}`]).status, 'OK');
    assert.equal(dkim([`v=DKIM1; t=s; h=sha256; p=${PUBLIC_KEY.slice(1)};`]).status, 'Invalid');
  });

  it('wants exactly one record', () => {
    const outcome = dkim([DKIM], [DKIM]);
    assert.deepEqual(outcome, {
      status: 'Invalid',
      error: `Expected one TXT record at ${SELECTOR}, found 2`,
    });
  });
});

describe('checkMx', () => {
  const mx = (...hosts: string[]) =>
    checkMx(
      'example.com',
      answer(hosts.map((exchange) => ({ exchange, priority: 10 }))),
      installation.mxHosts,
    );

  it('is OK with every host, Invalid with some, Missing with none of ours', () => {
    assert.equal(mx('mx2.postern.test', 'mx1.postern.test', 'backup.example.net').status, 'OK');
    assert.equal(mx('mx2.postern.test').status, 'Invalid');
    assert.deepEqual(mx('mail.example.net'), {
      status: 'Missing',
      error:
        'Expected MX records for mx1.postern.test, mx2.postern.test at example.com, found only mail.example.net',
    });
    assert.equal(mx().status, 'Missing');
  });
});

describe('checkCname', () => {
  it('wants exactly one CNAME to the target', () => {
    assert.equal(
      checkCname('psrp.example.com', answer(['RP.postern.test.']), 'rp.postern.test').status,
      'OK',
    );
    assert.equal(
      checkCname('psrp.example.com', answer(['rp.postern.test', 'x.test']), 'rp.postern.test').status,
      'Invalid',
    );
  });
});

describe('dnsOk', () => {
  it("is Postal's rule: SPF and DKIM OK, MX and return path OK or Missing", () => {
    assert.equal(dnsOk({ spf: 'OK', dkim: 'OK', mx: 'Missing', returnPath: 'Missing' }), true);
    assert.equal(dnsOk({ spf: 'OK', dkim: 'OK', mx: 'Invalid', returnPath: 'OK' }), false);
    assert.equal(dnsOk({ spf: 'OK', dkim: null, mx: 'OK', returnPath: 'OK' }), false);
  });
});

describe('lookup', () => {
  it('turns a throwing lookup into a reason', async () => {
    assert.deepEqual(
      await lookup(async () => {
        throw new Error('queryTxt ETIMEOUT example.com');
      }),
      failed,
    );
    assert.deepEqual(await lookup(async () => ['a']), answer(['a']));
  });
});
