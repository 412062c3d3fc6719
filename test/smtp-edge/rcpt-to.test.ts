import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPolicyIndex } from '../../core/policy/policy-index.ts';
import type { PolicySnapshot } from '../../core/policy/policy-snapshot.ts';
import {
  REPLIES,
  decideRcptTo,
  type SessionAuth,
  type SessionState,
} from '../../smtp-edge/session-policy.ts';
import {
  CREDENTIAL_ID,
  ROUTE_ID,
  ROUTE_TOKEN,
  SERVER_ID,
  testServer,
  testSnapshot,
} from '../helpers/policy-fixtures.ts';

const OTHER_SERVER_ID = 11;
const snapshot = testSnapshot({
  servers: [
    testServer(),
    testServer({ id: OTHER_SERVER_ID, token: 'xyz789', permalink: 'other', domains: [] }),
  ],
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
      token: 'rejects1',
      domain: 'example.com',
      name: 'noreply',
      mode: 'Reject',
    },
    {
      id: 202,
      serverId: OTHER_SERVER_ID,
      token: 'wildcard',
      domain: 'catchall.test',
      name: '*',
      mode: 'Accept',
    },
  ],
  ipCredentials: [{ id: 300, serverId: SERVER_ID, network: '198.51.100.0/24', hold: false }],
});
const index = buildPolicyIndex(snapshot);
const anonymous: SessionState = { secure: false, clientIp: '192.0.2.7', auth: null };
const passwordAuth: SessionAuth = { serverId: SERVER_ID, credentialId: CREDENTIAL_ID, method: 'password' };
const authenticated: SessionState = { secure: true, clientIp: '192.0.2.7', auth: passwordAuth };
const with_ = (overrides: Partial<PolicySnapshot>) => buildPolicyIndex({ ...snapshot, ...overrides });

void describe('RCPT TO', () => {
  void describe('1. return-path domain', () => {
    void it('takes mail to <server token>@<return-path domain> as a bounce for that server', () => {
      assert.deepEqual(decideRcptTo(index, anonymous, { address: 'xyz789@rp.postern.test' }), {
        ok: true,
        recipient: {
          address: 'xyz789@rp.postern.test',
          kind: 'bounce',
          serverId: OTHER_SERVER_ID,
          routeId: null,
        },
        auth: null,
      });
    });

    void it('takes psrp.<any domain> the same way, ignoring a +tag', () => {
      const decision = decideRcptTo(index, anonymous, { address: 'ABC123+x@psrp.customer.org' });
      assert.equal(decision.ok && decision.recipient.kind, 'bounce');
      assert.equal(decision.ok && decision.recipient.serverId, SERVER_ID);
    });

    void it('refuses an unknown server token with 550', () => {
      assert.deepEqual(decideRcptTo(index, authenticated, { address: 'nope00@rp.postern.test' }), {
        ok: false,
        reply: { code: 550, enhanced: '5.1.1', message: 'Invalid server token' },
      });
    });
  });

  void describe('2. route domain', () => {
    void it('forwards <route token>@<route domain> to the route, rewriting the address as Postal does', () => {
      assert.deepEqual(decideRcptTo(index, anonymous, { address: `${ROUTE_TOKEN}@routes.postern.test` }), {
        ok: true,
        recipient: {
          address: 'support@example.com',
          kind: 'incoming',
          serverId: SERVER_ID,
          routeId: ROUTE_ID,
        },
        auth: null,
      });
      const tagged = decideRcptTo(index, anonymous, { address: `${ROUTE_TOKEN}+urgent@routes.postern.test` });
      assert.equal(tagged.ok && tagged.recipient.address, 'support+urgent@example.com');
    });

    void it('refuses an unknown route token and a Reject route', () => {
      assert.deepEqual(decideRcptTo(index, anonymous, { address: 'unknown1@routes.postern.test' }), {
        ok: false,
        reply: REPLIES.invalidRouteToken,
      });
      assert.deepEqual(decideRcptTo(index, anonymous, { address: 'rejects1@routes.postern.test' }), {
        ok: false,
        reply: REPLIES.routeRejects,
      });
    });
  });

  void describe('3. authenticated session', () => {
    void it("relays to any address as outgoing mail of the credential's server", () => {
      assert.deepEqual(decideRcptTo(index, authenticated, { address: 'friend@gmail.test' }), {
        ok: true,
        recipient: { address: 'friend@gmail.test', kind: 'outgoing', serverId: SERVER_ID, routeId: null },
        auth: passwordAuth,
      });
    });

    void it('sends to a route address as outgoing too: authentication comes before routes', () => {
      const decision = decideRcptTo(index, authenticated, { address: 'support@example.com' });
      assert.equal(decision.ok && decision.recipient.kind, 'outgoing');
    });

    void it('refuses with 535 when the server is suspended', () => {
      const suspended = with_({ servers: [testServer({ suspended: true })] });
      assert.deepEqual(decideRcptTo(suspended, authenticated, { address: 'friend@gmail.test' }), {
        ok: false,
        reply: { code: 535, enhanced: '5.7.1', message: 'Mail server has been suspended' },
      });
    });

    void it('refuses with 535 when the credential was revoked since AUTH', () => {
      const revoked = with_({ credentials: [] });
      assert.deepEqual(decideRcptTo(revoked, authenticated, { address: 'friend@gmail.test' }), {
        ok: false,
        reply: REPLIES.invalidCredential,
      });
    });
  });

  void describe('4. routes', () => {
    void it('accepts name@domain and name+tag@domain unauthenticated as incoming', () => {
      assert.deepEqual(decideRcptTo(index, anonymous, { address: 'Support+Billing@Example.com' }), {
        ok: true,
        recipient: {
          address: 'support+Billing@example.com',
          kind: 'incoming',
          serverId: SERVER_ID,
          routeId: ROUTE_ID,
        },
        auth: null,
      });
    });

    void it('accepts any name at a domain with a * route, keeping the address', () => {
      assert.deepEqual(decideRcptTo(index, anonymous, { address: 'whoever@catchall.test' }), {
        ok: true,
        recipient: {
          address: 'whoever@catchall.test',
          kind: 'incoming',
          serverId: OTHER_SERVER_ID,
          routeId: 202,
        },
        auth: null,
      });
    });

    void it("refuses a Reject route with Postal's text", () => {
      assert.deepEqual(decideRcptTo(index, anonymous, { address: 'noreply@example.com' }), {
        ok: false,
        reply: { code: 550, enhanced: '5.7.1', message: 'Route does not accept incoming messages' },
      });
    });
  });

  void describe('5. SMTP-IP credentials', () => {
    const fromNetwork: SessionState = { secure: false, clientIp: '198.51.100.20', auth: null };

    void it('authenticates a client inside a network and relays as outgoing', () => {
      assert.deepEqual(decideRcptTo(index, fromNetwork, { address: 'friend@gmail.test' }), {
        ok: true,
        recipient: { address: 'friend@gmail.test', kind: 'outgoing', serverId: SERVER_ID, routeId: null },
        auth: { serverId: SERVER_ID, credentialId: 300, method: 'network' },
      });
    });

    void it('matches an IPv4-mapped client address', () => {
      const mapped = { ...fromNetwork, clientIp: '::ffff:198.51.100.20' };
      assert.equal(decideRcptTo(index, mapped, { address: 'friend@gmail.test' }).ok, true);
    });

    void it('lets routes win over the network, as Postal checks routes first', () => {
      const decision = decideRcptTo(index, fromNetwork, { address: 'support@example.com' });
      assert.equal(decision.ok && decision.recipient.kind, 'incoming');
      assert.equal(decision.ok && decision.auth, null);
    });

    void it("refuses with 535 when the network's server is suspended", () => {
      const suspended = with_({ servers: [testServer({ suspended: true })] });
      assert.deepEqual(decideRcptTo(suspended, fromNetwork, { address: 'friend@gmail.test' }), {
        ok: false,
        reply: REPLIES.serverSuspended,
      });
    });
  });

  void describe('6. anything else', () => {
    void it('refuses relaying for unauthenticated clients with 530 (no open relay)', () => {
      assert.deepEqual(decideRcptTo(index, anonymous, { address: 'victim@gmail.test' }), {
        ok: false,
        reply: { code: 530, enhanced: '5.7.0', message: 'Authentication required' },
      });
      assert.equal(decideRcptTo(index, anonymous, { address: 'nobody@example.com' }).ok, false);
    });

    void it('refuses an address without a domain', () => {
      assert.deepEqual(decideRcptTo(index, anonymous, { address: 'postmaster' }), {
        ok: false,
        reply: REPLIES.invalidRecipient,
      });
    });

    void it('answers 451 4.3.0 while no policy is loaded', () => {
      assert.deepEqual(decideRcptTo(null, anonymous, { address: 'a@example.com' }), {
        ok: false,
        reply: REPLIES.policyNotLoaded,
      });
    });
  });
});
