import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPolicyIndex } from '../../core/policy/policy-index.ts';
import { decideMailFrom, type SessionState } from '../../smtp-edge/session-policy.ts';
import { CREDENTIAL_ID, SERVER_ID, testSnapshot } from '../helpers/policy-fixtures.ts';

const index = buildPolicyIndex(testSnapshot());
const anonymous: SessionState = { secure: false, clientIp: '192.0.2.7', auth: null };
const authenticated: SessionState = {
  secure: true,
  clientIp: '192.0.2.7',
  auth: { serverId: SERVER_ID, credentialId: CREDENTIAL_ID, method: 'password' },
};

void describe('MAIL FROM', () => {
  void it('accepts any sender address, and the null sender', () => {
    assert.deepEqual(decideMailFrom(index, anonymous, { address: 'someone@anywhere.test' }), {
      ok: true,
      mailFrom: 'someone@anywhere.test',
    });
    assert.deepEqual(decideMailFrom(index, anonymous, { address: '' }), { ok: true, mailFrom: '' });
  });

  void it('answers 451 4.3.0 while no policy snapshot is loaded', () => {
    assert.deepEqual(decideMailFrom(null, anonymous, { address: 'a@b.test' }), {
      ok: false,
      reply: { code: 451, enhanced: '4.3.0', message: 'Policy not loaded yet, try again later' },
    });
  });

  void it('accepts an authenticated session whose credential still exists', () => {
    assert.equal(decideMailFrom(index, authenticated, { address: 'a@example.com' }).ok, true);
  });

  void it('refuses the next transaction of a session whose credential was revoked since AUTH', () => {
    const revoked = buildPolicyIndex(testSnapshot({ version: 2, credentials: [] }));
    assert.deepEqual(decideMailFrom(revoked, authenticated, { address: 'a@example.com' }), {
      ok: false,
      reply: { code: 535, enhanced: '5.7.8', message: 'Invalid credential' },
    });
  });
});
