import { generate } from 'selfsigned';
import type { TlsMaterial } from '../../smtp-edge/tls-certificate.ts';

/**
 * A self-signed RSA-2048 certificate for test servers, valid for ten years from a fixed date so
 * that runs compare alike. `loopback` adds 127.0.0.1 as a subject alternative name, for clients
 * that check the certificate against the address they dialled.
 */
export async function testCertificate(
  commonName: string,
  options: { loopback?: boolean } = {},
): Promise<TlsMaterial> {
  const now = Date.UTC(2026, 10, 25);
  const generated = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 86_400_000),
    notAfterDate: new Date(now + 10 * 365 * 86_400_000),
    ...(options.loopback
      ? {
          extensions: [
            { name: 'basicConstraints', cA: false },
            { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
          ],
        }
      : {}),
  });
  return { key: generated.private, cert: generated.cert };
}
