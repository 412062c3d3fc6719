import { createPublicKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

// Postal makes 1024-bit keys; 2048 bits is what receivers expect today (RFC 8301 §3.2 asks
// verifiers to accept up to 4096 and signers to use at least 1024, with 2048 recommended).
export const DKIM_KEY_BITS = 2048;

const generateRsaKeyPair = promisify(generateKeyPair);

/** A new RSA private key, PKCS#8 PEM. */
export async function generateDkimKey(): Promise<string> {
  const { privateKey } = await generateRsaKeyPair('rsa', {
    modulusLength: DKIM_KEY_BITS,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return privateKey;
}

/** The public half as the `p=` tag of a DKIM record carries it: base64 of the SPKI DER (RFC 6376 §3.6.1). */
export function dkimPublicKey(privateKeyPem: string): string {
  return createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' }).toString('base64');
}
