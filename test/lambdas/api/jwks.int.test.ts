import assert from 'node:assert/strict';
import { createHash, createPublicKey, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AppContext } from '../../../core/context.ts';
import { FileKeys } from '../../../core/local/file-keys.ts';
import { apiClient, type ApiClient } from './api-fixture.ts';

void describe('GET /.well-known/jwks.json', () => {
  let dir: string;
  let keys: FileKeys;
  let api: ApiClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'postern-jwks-'));
    keys = await FileKeys.open(dir);
    // The document needs nothing of the context but the Keys port.
    api = apiClient({ keys } as unknown as AppContext);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  void it('publishes the installation signing key as an RS256 JWK set', async () => {
    const reply = await api.call('/.well-known/jwks.json', undefined, { method: 'GET', key: null });
    assert.equal(reply.httpStatus, 200);
    assert.match(reply.headers['content-type'] ?? '', /^application\/json/);
    const { keys: published } = reply.body as { keys: Record<string, string>[] };
    assert.equal(published.length, 1);
    const jwk = published[0]!;
    const signingKey = await keys.signingKey();
    assert.deepEqual(Object.keys(jwk).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
    assert.equal(jwk.kty, 'RSA');
    assert.equal(jwk.use, 'sig');
    assert.equal(jwk.alg, 'RS256');
    assert.equal(jwk.kid, signingKey.kid);
    // RFC 7638: the thumbprint of the required members in lexicographic order.
    const thumbprint = createHash('sha256')
      .update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n }))
      .digest('base64url');
    assert.equal(jwk.kid, thumbprint);

    const publicKey = createPublicKey({ key: { kty: 'RSA', n: jwk.n!, e: jwk.e! }, format: 'jwk' });
    assert.equal(publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    const payload = Buffer.from('{"event":"MessageSent"}');
    const signature = sign('sha256', payload, signingKey.privateKeyPem);
    assert.equal(verify('sha256', payload, publicKey, signature), true);
    assert.equal(verify('sha256', Buffer.from('tampered'), publicKey, signature), false);
  });

  void it('is not part of the v1 API: other methods are not routed', async () => {
    const reply = await api.call('/.well-known/jwks.json', {}, { method: 'POST', key: null });
    assert.equal(reply.httpStatus, 404);
  });
});
