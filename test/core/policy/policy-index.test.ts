import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPolicyIndex } from '../../../core/policy/policy-index.ts';
import { hashSecret } from '../../../core/auth/secret-hash.ts';
import {
  CREDENTIAL_ID,
  ROUTE_ID,
  ROUTE_TOKEN,
  SERVER_ID,
  SMTP_KEY,
  testServer,
  testSnapshot,
} from '../../helpers/policy-fixtures.ts';

const ipCredential = (id: number, network: string) => ({ id, serverId: SERVER_ID, network, hold: false });

void describe('buildPolicyIndex', () => {
  void it('finds servers by id and by token, whatever the case', () => {
    const index = buildPolicyIndex(testSnapshot());
    assert.equal(index.serverById(SERVER_ID)?.token, 'abc123');
    assert.equal(index.serverByToken('ABC123')?.id, SERVER_ID);
    assert.equal(index.serverByToken('zzz999'), undefined);
  });

  void it('finds SMTP and API credentials by key hash, each only as its own type', () => {
    const index = buildPolicyIndex(
      testSnapshot({
        credentials: [
          {
            id: CREDENTIAL_ID,
            serverId: SERVER_ID,
            type: 'SMTP',
            keyHash: hashSecret(SMTP_KEY),
            hold: false,
          },
          { id: 101, serverId: SERVER_ID, type: 'API', keyHash: hashSecret('api-key'), hold: false },
        ],
      }),
    );
    assert.equal(index.smtpCredentialByKeyHash(hashSecret(SMTP_KEY))?.id, CREDENTIAL_ID);
    assert.equal(index.smtpCredentialByKeyHash(hashSecret('api-key')), undefined);
    assert.equal(index.apiCredentialByKeyHash(hashSecret('api-key'))?.id, 101);
    assert.equal(index.apiCredentialByKeyHash(hashSecret(SMTP_KEY)), undefined);
    assert.equal(index.credentialExists(101), true);
  });

  void it('leaves out credentials and routes of servers the snapshot does not carry', () => {
    const index = buildPolicyIndex(
      testSnapshot({
        credentials: [{ id: 7, serverId: 999, type: 'SMTP', keyHash: hashSecret('orphan'), hold: false }],
        routes: [
          { id: 8, serverId: 999, token: 'orphan01', domain: 'example.com', name: 'x', mode: 'Endpoint' },
        ],
      }),
    );
    assert.equal(index.smtpCredentialByKeyHash(hashSecret('orphan')), undefined);
    assert.equal(index.route('example.com', 'x'), undefined);
  });

  void it('finds routes by name and domain, falling back to the wildcard', () => {
    const index = buildPolicyIndex(
      testSnapshot({
        routes: [
          {
            id: ROUTE_ID,
            serverId: SERVER_ID,
            token: ROUTE_TOKEN,
            domain: 'example.com',
            name: 'support',
            mode: 'Endpoint',
          },
          {
            id: 201,
            serverId: SERVER_ID,
            token: 'wildcard',
            domain: 'example.com',
            name: '*',
            mode: 'Accept',
          },
          {
            id: 202,
            serverId: SERVER_ID,
            token: 'rtpath01',
            domain: null,
            name: '__returnpath__',
            mode: 'Endpoint',
          },
        ],
      }),
    );
    assert.equal(index.route('EXAMPLE.com', 'Support')?.id, ROUTE_ID);
    assert.equal(index.route('example.com', 'sales')?.id, 201);
    assert.equal(index.route('other.com', 'support'), undefined);
    assert.equal(index.routeByToken(ROUTE_TOKEN.toUpperCase())?.id, ROUTE_ID);
    assert.equal(
      index.routeByToken('rtpath01'),
      undefined,
      'a route without a domain has no forwarding address',
    );
  });

  void it('matches IDN domains in Unicode and in punycode alike', () => {
    const index = buildPolicyIndex(
      testSnapshot({
        routes: [
          {
            id: 203,
            serverId: SERVER_ID,
            token: 'idnroute',
            domain: 'xn--bcher-kva.example',
            name: 'info',
            mode: 'Endpoint',
          },
        ],
      }),
    );
    assert.equal(index.route('Bücher.example', 'info')?.id, 203);
    assert.equal(index.route('xn--bcher-kva.example', 'info')?.id, 203);
  });

  void it('knows the return-path domain, psrp. prefixes and the route domain', () => {
    const index = buildPolicyIndex(testSnapshot());
    assert.equal(index.isReturnPathDomain('RP.postern.test'), true);
    assert.equal(index.isReturnPathDomain('psrp.customer.org'), true);
    assert.equal(index.isReturnPathDomain('psrpx.customer.org'), false);
    assert.equal(index.isRouteDomain('routes.postern.test'), true);
    assert.equal(index.isRouteDomain('example.com'), false);
  });

  void describe('SMTP-IP networks', () => {
    const index = buildPolicyIndex(
      testSnapshot({
        ipCredentials: [
          ipCredential(1, '10.0.0.0/8'),
          ipCredential(2, '10.1.0.0/16'),
          ipCredential(3, '10.1.2.3'),
          ipCredential(4, '2001:db8::/32'),
          ipCredential(5, '2001:db8:1::/48'),
          ipCredential(6, 'not-a-network'),
          ipCredential(7, '10.0.0.0/33'),
        ],
      }),
    );

    void it('picks the most specific network holding the address', () => {
      assert.equal(index.ipCredentialFor('10.9.9.9')?.id, 1);
      assert.equal(index.ipCredentialFor('10.1.9.9')?.id, 2);
      assert.equal(index.ipCredentialFor('10.1.2.3')?.id, 3);
      assert.equal(index.ipCredentialFor('11.0.0.1'), undefined);
    });

    void it('matches IPv4 networks against IPv4-mapped IPv6 clients', () => {
      assert.equal(index.ipCredentialFor('::ffff:10.1.2.3')?.id, 3);
      assert.equal(index.ipCredentialFor('::ffff:10.200.0.1')?.id, 1);
    });

    void it('matches IPv6 networks, most specific first', () => {
      assert.equal(index.ipCredentialFor('2001:db8:1::5')?.id, 5);
      assert.equal(index.ipCredentialFor('2001:DB8:2::5')?.id, 4);
      assert.equal(index.ipCredentialFor('2001:db9::1'), undefined);
    });

    void it('reports and skips networks that do not parse', () => {
      assert.deepEqual(
        index.invalidNetworks.map((credential) => credential.id),
        [6, 7],
      );
      assert.equal(index.ipCredentialFor('garbage'), undefined);
    });
  });

  void it('keeps the snapshot version and installation names', () => {
    const index = buildPolicyIndex(testSnapshot({ version: 42, servers: [testServer()] }));
    assert.equal(index.version, 42);
    assert.equal(index.hostname, 'mx.postern.test');
  });
});
