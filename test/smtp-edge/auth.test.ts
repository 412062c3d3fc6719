import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPolicyIndex } from '../../core/policy/policy-index.ts';
import { REPLIES, decideAuth, type SessionState } from '../../smtp-edge/session-policy.ts';
import { CREDENTIAL_ID, SERVER_ID, SMTP_KEY, testServer, testSnapshot } from '../helpers/policy-fixtures.ts';

const index = buildPolicyIndex(testSnapshot());
const overTls: SessionState = { secure: true, clientIp: '192.0.2.7', auth: null };

void describe('AUTH', () => {
  void it('grants PLAIN and LOGIN with an SMTP credential key, naming the organization and server', () => {
    for (const mechanism of ['PLAIN', 'LOGIN']) {
      assert.deepEqual(decideAuth(index, overTls, { mechanism, password: SMTP_KEY }), {
        ok: true,
        auth: { serverId: SERVER_ID, credentialId: CREDENTIAL_ID, method: 'password' },
        reply: { code: 235, enhanced: '2.7.0', message: 'Granted for acme/mail' },
      });
    }
  });

  void it('refuses a wrong or empty key with 535 5.7.8', () => {
    assert.deepEqual(decideAuth(index, overTls, { mechanism: 'PLAIN', password: 'wrong' }), {
      ok: false,
      reply: { code: 535, enhanced: '5.7.8', message: 'Invalid credential' },
    });
    assert.equal(decideAuth(index, overTls, { mechanism: 'PLAIN', password: '' }).ok, false);
  });

  void it('refuses any key without TLS with 538 5.7.11, before looking at it', () => {
    const plain = { ...overTls, secure: false };
    assert.deepEqual(decideAuth(index, plain, { mechanism: 'PLAIN', password: SMTP_KEY }), {
      ok: false,
      reply: {
        code: 538,
        enhanced: '5.7.11',
        message: 'Encryption required for requested authentication mechanism',
      },
    });
    assert.deepEqual(decideAuth(null, plain, { mechanism: 'PLAIN', password: SMTP_KEY }), {
      ok: false,
      reply: REPLIES.encryptionRequired,
    });
  });

  void it("refuses a suspended server with Postal's text", () => {
    const suspended = buildPolicyIndex(testSnapshot({ servers: [testServer({ suspended: true })] }));
    assert.deepEqual(decideAuth(suspended, overTls, { mechanism: 'PLAIN', password: SMTP_KEY }), {
      ok: false,
      reply: { code: 535, enhanced: '5.7.8', message: 'Mail server has been suspended' },
    });
  });

  void it('does not accept API keys for SMTP', () => {
    const apiOnly = buildPolicyIndex(
      testSnapshot({
        credentials: [
          {
            id: CREDENTIAL_ID,
            serverId: SERVER_ID,
            type: 'API',
            keyHash: testSnapshot().credentials[0]!.keyHash,
            hold: false,
          },
        ],
      }),
    );
    assert.deepEqual(decideAuth(apiOnly, overTls, { mechanism: 'PLAIN', password: SMTP_KEY }), {
      ok: false,
      reply: REPLIES.invalidCredential,
    });
  });

  void it('refuses CRAM-MD5 and other mechanisms', () => {
    assert.deepEqual(decideAuth(index, overTls, { mechanism: 'CRAM-MD5', password: SMTP_KEY }), {
      ok: false,
      reply: { code: 504, enhanced: '5.5.4', message: 'Unrecognized authentication type' },
    });
  });

  void it('answers 454 4.7.0 while no policy is loaded', () => {
    assert.deepEqual(decideAuth(null, overTls, { mechanism: 'PLAIN', password: SMTP_KEY }), {
      ok: false,
      reply: { code: 454, enhanced: '4.7.0', message: 'Temporary authentication failure, try again later' },
    });
  });

  void it('refuses a key whose credential was revoked in a newer snapshot', () => {
    const revoked = buildPolicyIndex(testSnapshot({ version: 2, credentials: [] }));
    assert.deepEqual(decideAuth(revoked, overTls, { mechanism: 'PLAIN', password: SMTP_KEY }), {
      ok: false,
      reply: REPLIES.invalidCredential,
    });
  });
});
