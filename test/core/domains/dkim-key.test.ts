import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { DKIM_KEY_BITS, dkimPublicKey, generateDkimKey } from '../../../core/domains/dkim-key.ts';

describe('DKIM keys', () => {
  it('makes a 2048-bit PKCS#8 key whose public half is base64 SPKI DER', async () => {
    const pem = await generateDkimKey();
    assert.match(pem, /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(createPrivateKey(pem).asymmetricKeyDetails?.modulusLength, DKIM_KEY_BITS);
    const publicKey = createPublicKey({
      key: Buffer.from(dkimPublicKey(pem), 'base64'),
      format: 'der',
      type: 'spki',
    });
    assert.equal(publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.ok(publicKey.equals(createPublicKey(pem)));
  });
});
