import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { Dns } from '../../../core/ports.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { createTestContext, type TestContext } from '../../helpers/test-context.ts';
import { managementClient, type ManagementClient } from '../../helpers/management-client.ts';
import { ZoneDns, type DnsZone } from '../../fakes/zone-dns.ts';

const ORG = '/management/v1/organizations/acme';
const SERVER = `${ORG}/servers/main`;

/** The test context's Dns, with answers that can be replaced between requests. */
class SwitchableDns implements Dns {
  current: Dns = new ZoneDns({});
  use(dns: Dns): void {
    this.current = dns;
  }
  mx = (name: string) => this.current.mx(name);
  txt = (name: string) => this.current.txt(name);
  a = (name: string) => this.current.a(name);
  aaaa = (name: string) => this.current.aaaa(name);
  cname = (name: string) => this.current.cname(name);
}

const timingOut: Dns = {
  mx: async (name) => {
    throw new Error(`queryMx ETIMEOUT ${name}`);
  },
  txt: async (name) => {
    throw new Error(`queryTxt ETIMEOUT ${name}`);
  },
  a: async () => [],
  aaaa: async () => [],
  cname: async (name) => {
    throw new Error(`queryCname ETIMEOUT ${name}`);
  },
};

interface RecordBody {
  purpose: string;
  type: string;
  name: string;
  value: string;
  priority?: number;
  strings?: string[];
}

const recordOf = (domain: { dns_records: RecordBody[] }, purpose: string): RecordBody => {
  const record = domain.dns_records.find((r) => r.purpose === purpose);
  assert.ok(record, `no ${purpose} record`);
  return record;
};

/** The zone a careful user publishes for `domain`: every record as shown, TXT as character strings. */
function publishedZone(domain: { dns_records: RecordBody[] }): DnsZone {
  const zone: Record<
    string,
    { TXT?: string[][]; MX?: { exchange: string; priority: number }[]; CNAME?: string[] }
  > = {};
  for (const record of domain.dns_records) {
    const entry = (zone[record.name] ??= {});
    if (record.type === 'TXT') (entry.TXT ??= []).push(record.strings ?? [record.value]);
    if (record.type === 'MX')
      (entry.MX ??= []).push({ exchange: record.value, priority: record.priority ?? 10 });
    if (record.type === 'CNAME') entry.CNAME = [record.value];
  }
  return zone;
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: domains API`, () => {
    let t: TestContext;
    let api: ManagementClient;
    const dns = new SwitchableDns();
    let admin: string;
    let member: string;
    let outsider: string;

    const serverDomains = (server: string) =>
      t.snapshots.at(-1)?.servers.find((s) => s.permalink === server)?.domains ?? [];

    before(async () => {
      t = await createTestContext(dialect, { dns });
      api = managementClient(t.ctx);
      admin = await api.userToken('admin@acme.test', { admin: true });
      for (const [name, permalink] of [
        ['Acme', 'acme'],
        ['Other', 'other'],
      ]) {
        await api.request('POST', '/management/v1/organizations', {
          body: { name, permalink },
          token: admin,
        });
      }
      for (const name of ['Main', 'Second']) {
        await api.request('POST', `${ORG}/servers`, { body: { name }, token: admin });
      }
      await api.request('POST', '/management/v1/organizations/other/servers', {
        body: { name: 'Main' },
        token: admin,
      });
      member = await api.userToken('member@acme.test', { organizations: ['acme'] });
      outsider = await api.userToken('member@other.test', { organizations: ['other'] });
    });
    after(() => t.close());

    it("creates a domain with Postal's records, its 2048-bit DKIM key split into character strings", async () => {
      const created = await api.request('POST', `${SERVER}/domains`, {
        body: { name: 'Example.COM' },
        token: member,
      });
      assert.equal(created.status, 201);
      const domain = created.body;
      assert.equal(domain.name, 'example.com');
      assert.equal(domain.level, 'server');
      assert.equal(domain.verification_method, 'DNS');
      assert.equal(domain.verified, false);
      assert.equal(domain.use_for_any, false);
      assert.equal(domain.dns_checked_at, null);
      assert.equal(domain.dns_ok, false);
      assert.match(domain.dkim_selector, /^postern-[a-z0-9]{6}$/);

      const verification = recordOf(domain, 'verification');
      assert.equal(verification.type, 'TXT');
      assert.equal(verification.name, 'example.com');
      assert.match(verification.value, /^postal-verification [A-Za-z0-9]{32}$/);
      assert.deepEqual(recordOf(domain, 'spf'), {
        purpose: 'spf',
        type: 'TXT',
        name: 'example.com',
        value: 'v=spf1 a mx include:spf.postern.test ~all',
        strings: ['v=spf1 a mx include:spf.postern.test ~all'],
      });
      const dkim = recordOf(domain, 'dkim');
      assert.equal(dkim.type, 'TXT');
      assert.equal(dkim.name, `${domain.dkim_selector}._domainkey.example.com`);
      assert.match(dkim.value, /^v=DKIM1; t=s; h=sha256; p=[A-Za-z0-9+/]+=*;$/);
      assert.ok(Buffer.byteLength(dkim.value) > 255, 'a 2048-bit record does not fit one string');
      assert.ok((dkim.strings ?? []).length > 1);
      for (const part of dkim.strings ?? []) assert.ok(Buffer.byteLength(part) <= 255);
      assert.equal(dkim.strings?.join(''), dkim.value);
      assert.deepEqual(recordOf(domain, 'return_path'), {
        purpose: 'return_path',
        type: 'CNAME',
        name: 'psrp.example.com',
        value: 'rp.postern.test',
      });
      assert.deepEqual(
        domain.dns_records.filter((r: RecordBody) => r.purpose === 'mx'),
        ['mx1.postern.test', 'mx2.postern.test'].map((value) => ({
          purpose: 'mx',
          type: 'MX',
          name: 'example.com',
          value,
          priority: 10,
        })),
      );
    });

    it('stores the DKIM key encrypted; it decrypts to the 2048-bit key of the published record', async () => {
      const domain = (await api.request('GET', `${SERVER}/domains/example.com`, { token: member })).body;
      const row = await t.ctx.db
        .selectFrom('domains')
        .selectAll()
        .where('uuid', '=', domain.uuid)
        .executeTakeFirstOrThrow();
      assert.doesNotMatch(row.dkim_private_key, /BEGIN|PRIVATE KEY/);
      const pem = await t.ctx.keys.decrypt(row.dkim_private_key);
      const privateKey = createPrivateKey(pem);
      assert.equal(privateKey.asymmetricKeyDetails?.modulusLength, 2048);
      const published = /p=([^;]+);$/.exec(recordOf(domain, 'dkim').value)?.[1];
      assert.equal(
        createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64'),
        published,
      );
      assert.equal(row.owner_key, `s:${row.server_id}`);
    });

    it("verifies a member's domain only once the TXT record is published, then lets the server send from it", async () => {
      const domain = (await api.request('GET', `${SERVER}/domains/example.com`, { token: member })).body;
      assert.ok(!serverDomains('main').some((d) => d.name === 'example.com'));

      dns.use(new ZoneDns({ 'example.com': { TXT: [['v=spf1 -all']] } }));
      const missing = await api.request('POST', `${SERVER}/domains/example.com/verify`, { token: member });
      assert.equal(missing.status, 200);
      assert.equal(missing.body.verified, false);
      assert.match(
        missing.body.verification_error,
        /^Expected a TXT record "postal-verification [A-Za-z0-9]{32}" at example.com, found "v=spf1 -all"$/,
      );

      dns.use(timingOut);
      const unreachable = await api.request('POST', `${SERVER}/domains/example.com/verify`, {
        token: member,
      });
      assert.equal(unreachable.status, 200);
      assert.equal(unreachable.body.verified, false);
      assert.match(unreachable.body.verification_error, /ETIMEOUT/);

      dns.use(
        new ZoneDns({ 'example.com': { TXT: [['v=spf1 -all'], [recordOf(domain, 'verification').value]] } }),
      );
      const verified = await api.request('POST', `${SERVER}/domains/${domain.uuid}/verify`, {
        token: member,
      });
      assert.equal(verified.status, 200);
      assert.equal(verified.body.verified, true);
      assert.equal(verified.body.verification_error, null);
      assert.ok(verified.body.verified_at);
      assert.ok(!verified.body.dns_records.some((r: RecordBody) => r.purpose === 'verification'));
      assert.deepEqual(
        serverDomains('main')
          .filter((d) => d.name === 'example.com')
          .map((d) => [d.verified, d.organizationLevel]),
        [[true, false]],
      );
    });

    it("verifies an administrator's domain at once and publishes it in the policy snapshot", async () => {
      const created = await api.request('POST', `${SERVER}/domains`, {
        body: { name: 'admin.example' },
        token: admin,
      });
      assert.equal(created.status, 201);
      assert.equal(created.body.verified, true);
      assert.ok(!created.body.dns_records.some((r: RecordBody) => r.purpose === 'verification'));
      assert.ok(serverDomains('main').some((d) => d.name === 'admin.example' && d.verified));
      assert.ok(!serverDomains('second').some((d) => d.name === 'admin.example'));
    });

    it("shares an organization's domain with every server of the organization", async () => {
      const created = await api.request('POST', `${ORG}/domains`, {
        body: { name: 'shared.example' },
        token: admin,
      });
      assert.equal(created.status, 201);
      assert.equal(created.body.level, 'organization');
      assert.equal(created.body.verified, true);
      for (const server of ['main', 'second']) {
        assert.ok(
          serverDomains(server).some((d) => d.name === 'shared.example' && d.organizationLevel),
          `missing on ${server}`,
        );
      }
      const orgList = await api.request('GET', `${ORG}/domains`, { token: member });
      assert.deepEqual(
        orgList.body.data.map((d: { name: string }) => d.name),
        ['shared.example'],
      );
      const serverList = await api.request('GET', `${SERVER}/domains`, { token: member });
      assert.ok(!serverList.body.data.some((d: { name: string }) => d.name === 'shared.example'));
      const got = await api.request('GET', `${ORG}/domains/SHARED.example`, { token: member });
      assert.equal(got.body.uuid, created.body.uuid);
      assert.equal(
        (await api.request('GET', `${SERVER}/domains/shared.example`, { token: member })).status,
        404,
      );

      const forAny = await api.request('POST', `${ORG}/domains`, {
        body: { name: 'any.example', use_for_any: true },
        token: admin,
      });
      assert.equal(forAny.status, 400);
      assert.equal(forAny.body.error.details[0].field, 'use_for_any');
    });

    it('addresses a domain by uuid or by name, unicode names by either form', async () => {
      const created = await api.request('POST', `${SERVER}/domains`, {
        body: { name: 'Bücher.example' },
        token: member,
      });
      assert.equal(created.status, 201);
      assert.equal(created.body.name, 'xn--bcher-kva.example');
      for (const ref of [
        created.body.uuid,
        created.body.uuid.toUpperCase(),
        'xn--bcher-kva.example',
        'B%C3%BCcher.Example',
      ]) {
        const got = await api.request('GET', `${SERVER}/domains/${ref}`, { token: member });
        assert.equal(got.status, 200, ref);
        assert.equal(got.body.uuid, created.body.uuid);
      }
      for (const ref of ['nowhere.example', '00000000-0000-4000-8000-000000000000', 'not a name']) {
        const got = await api.request('GET', `${SERVER}/domains/${encodeURIComponent(ref)}`, {
          token: member,
        });
        assert.equal(got.status, 404, ref);
        assert.equal(got.body.error.code, 'not_found');
      }
    });

    it('checks the records and stores OK, Missing and Invalid with the reasons', async () => {
      const domain = (await api.request('GET', `${SERVER}/domains/example.com`, { token: member })).body;
      dns.use(new ZoneDns(publishedZone(domain)));
      const ok = await api.request('POST', `${SERVER}/domains/example.com/check`, { token: member });
      assert.equal(ok.status, 200);
      assert.deepEqual(
        [ok.body.spf_status, ok.body.dkim_status, ok.body.mx_status, ok.body.return_path_status],
        ['OK', 'OK', 'OK', 'OK'],
      );
      assert.deepEqual(
        [ok.body.spf_error, ok.body.dkim_error, ok.body.mx_error, ok.body.return_path_error],
        [null, null, null, null],
      );
      assert.equal(ok.body.dns_ok, true);
      assert.ok(ok.body.dns_checked_at);

      const dkimName = recordOf(domain, 'dkim').name;
      dns.use(
        new ZoneDns({
          'example.com': { TXT: [['v=spf1 -all']], MX: [{ exchange: 'mx1.postern.test', priority: 10 }] },
          [dkimName]: { TXT: [['v=DKIM1; p=something-else']] },
          'psrp.example.com': { CNAME: ['elsewhere.example'] },
        }),
      );
      const invalid = await api.request('POST', `${SERVER}/domains/example.com/check`, { token: member });
      assert.deepEqual(
        [
          invalid.body.spf_status,
          invalid.body.dkim_status,
          invalid.body.mx_status,
          invalid.body.return_path_status,
        ],
        ['Invalid', 'Invalid', 'Invalid', 'Invalid'],
      );
      assert.match(
        invalid.body.dkim_error,
        /^Expected the TXT record at postern-[a-z0-9]{6}\._domainkey\.example\.com to be "v=DKIM1; t=s; h=sha256; p=.*", found "v=DKIM1; p=something-else"$/,
      );
      assert.equal(invalid.body.dns_ok, false);

      dns.use(new ZoneDns({}));
      const missing = await api.request('POST', `${SERVER}/domains/example.com/check`, { token: member });
      assert.deepEqual(
        [
          missing.body.spf_status,
          missing.body.dkim_status,
          missing.body.mx_status,
          missing.body.return_path_status,
        ],
        ['Missing', 'Missing', 'Missing', 'Missing'],
      );
      assert.equal(missing.body.spf_error, 'No SPF record exists for example.com');

      dns.use(timingOut);
      const unreachable = await api.request('POST', `${SERVER}/domains/example.com/check`, { token: member });
      assert.equal(unreachable.status, 200);
      assert.deepEqual(
        [
          unreachable.body.spf_status,
          unreachable.body.dkim_status,
          unreachable.body.mx_status,
          unreachable.body.return_path_status,
        ],
        [null, null, null, null],
      );
      assert.equal(
        unreachable.body.mx_error,
        'Could not look up the MX records of example.com: queryMx ETIMEOUT example.com',
      );
      const stored = await api.request('GET', `${SERVER}/domains/example.com`, { token: member });
      assert.equal(stored.body.spf_error, unreachable.body.spf_error);
    });

    it('refuses bad names with 400 naming the field', async () => {
      const cases: [unknown, string][] = [
        [{ name: 'example' }, 'name'],
        [{ name: 'exa mple.com' }, 'name'],
        [{ name: `${'a.'.repeat(126)}com` }, 'name'],
        [{ name: 'a..example' }, 'name'],
        [{ name: 42 }, 'name'],
        [{}, 'name'],
        [{ name: 'ok.example', verification_method: 'Phone' }, 'verification_method'],
        [{ name: 'ok.example', colour: 'red' }, 'colour'],
      ];
      for (const [body, field] of cases) {
        const response = await api.request('POST', `${SERVER}/domains`, { body, token: member });
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(response.body.error.code, 'invalid_request');
        assert.equal(response.body.error.details[0].field, field, JSON.stringify(body));
      }
      const email = await api.request('POST', `${SERVER}/domains`, {
        body: { name: 'ok.example', verification_method: 'Email' },
        token: member,
      });
      assert.equal(email.status, 400);
      assert.equal(email.body.error.details[0].field, 'verification_method');
      assert.match(email.body.error.details[0].message, /outgoing mail/);
    });

    it('refuses a duplicate for the same owner, not for another one', async () => {
      const again = await api.request('POST', `${SERVER}/domains`, {
        body: { name: 'EXAMPLE.com.' },
        token: member,
      });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.details[0].field, 'name');
      const elsewhere = await api.request('POST', `${ORG}/servers/second/domains`, {
        body: { name: 'example.com' },
        token: member,
      });
      assert.equal(elsewhere.status, 201);
      const orgAgain = await api.request('POST', `${ORG}/domains`, {
        body: { name: 'shared.example' },
        token: member,
      });
      assert.equal(orgAgain.status, 409);
    });

    it('keeps use_for_any to administrators', async () => {
      const asMember = await api.request('PATCH', `${SERVER}/domains/admin.example`, {
        body: { use_for_any: true },
        token: member,
      });
      assert.equal(asMember.status, 403);
      assert.equal(asMember.body.error.details[0].field, 'use_for_any');
      const createAsMember = await api.request('POST', `${SERVER}/domains`, {
        body: { name: 'any.example', use_for_any: true },
        token: member,
      });
      assert.equal(createAsMember.status, 403);
      const asAdmin = await api.request('PATCH', `${SERVER}/domains/admin.example`, {
        body: { use_for_any: true },
        token: admin,
      });
      assert.equal(asAdmin.status, 200);
      assert.equal(asAdmin.body.use_for_any, true);
      assert.ok(serverDomains('main').some((d) => d.name === 'admin.example' && d.useForAny));
      const bad = await api.request('PATCH', `${SERVER}/domains/admin.example`, {
        body: { use_for_any: 'yes' },
        token: admin,
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details[0].field, 'use_for_any');
    });

    it("hides another organization's domains", async () => {
      for (const [method, path] of [
        ['GET', `${SERVER}/domains`],
        ['GET', `${SERVER}/domains/example.com`],
        ['POST', `${SERVER}/domains/example.com/check`],
        ['DELETE', `${SERVER}/domains/example.com`],
        ['GET', `${ORG}/domains/shared.example`],
      ]) {
        const response = await api.request(method ?? 'GET', path ?? '', { token: outsider });
        assert.equal(response.status, 404, `${method} ${path}`);
      }
      const created = await api.request('POST', `${ORG}/domains`, {
        body: { name: 'x.example' },
        token: outsider,
      });
      assert.equal(created.status, 404);
      const theirs = await api.request(
        'GET',
        '/management/v1/organizations/other/servers/main/domains/example.com',
        {
          token: outsider,
        },
      );
      assert.equal(theirs.status, 404);
    });

    it('deletes a domain with its track domains and takes it out of the snapshot', async () => {
      const track = await api.request('POST', `${SERVER}/track-domains`, {
        body: { domain: 'admin.example' },
        token: admin,
      });
      assert.equal(track.status, 201);
      const removed = await api.request('DELETE', `${SERVER}/domains/admin.example`, { token: member });
      assert.equal(removed.status, 204);
      assert.equal(
        (await api.request('GET', `${SERVER}/domains/admin.example`, { token: member })).status,
        404,
      );
      assert.equal(
        (await api.request('GET', `${SERVER}/track-domains/${track.body.uuid}`, { token: member })).status,
        404,
      );
      assert.ok(!serverDomains('main').some((d) => d.name === 'admin.example'));
      const orgRemoved = await api.request('DELETE', `${ORG}/domains/shared.example`, { token: member });
      assert.equal(orgRemoved.status, 204);
      assert.ok(!serverDomains('second').some((d) => d.name === 'shared.example'));
    });
  });
}
