import { sign } from 'node:crypto';
import type { SigningKey } from '../ports.ts';

// Postal signs every webhook with the installation key over the exact body bytes: RSA PKCS#1
// v1.5 with SHA-1 ("legacy", kept for existing receivers) and, since Postal 3.2, with SHA-256.
// Receivers verify with the public key from /.well-known/jwks.json or the DNS record.

export const SIGNATURE_HEADER = 'X-Postal-Signature';
export const SIGNATURE_256_HEADER = 'X-Postal-Signature-256';
export const SIGNATURE_KID_HEADER = 'X-Postal-Signature-KID';

export function signatureHeaders(key: SigningKey, body: Uint8Array): Record<string, string> {
  return {
    [SIGNATURE_KID_HEADER]: key.kid,
    // RSA keys sign with PKCS#1 v1.5 padding unless told otherwise.
    [SIGNATURE_HEADER]: sign('sha1', body, key.privateKeyPem).toString('base64'),
    [SIGNATURE_256_HEADER]: sign('sha256', body, key.privateKeyPem).toString('base64'),
  };
}
