import { createPublicKey } from 'node:crypto';
import type { Keys } from '../../core/ports.ts';

// GET /.well-known/jwks.json (reference/postal.md §2.5): the installation's signing key, which
// signs webhooks (X-Postal-Signature-256, -KID) and return-path DKIM, as a JWK set.

export interface JsonWebKeySet {
  keys: { kty: 'RSA'; use: 'sig'; alg: 'RS256'; kid: string; n: string; e: string }[];
}

export async function jwks(keys: Keys): Promise<JsonWebKeySet> {
  const key = await keys.signingKey();
  const { n, e } = createPublicKey(key.publicKeyPem).export({ format: 'jwk' });
  if (typeof n !== 'string' || typeof e !== 'string') throw new Error('the signing key is not an RSA key');
  return { keys: [{ kty: 'RSA', use: 'sig', alg: 'RS256', kid: key.kid, n, e }] };
}
