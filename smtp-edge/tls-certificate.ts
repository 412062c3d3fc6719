import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// The edge's TLS key and certificate: the operator's files when given, otherwise a self-signed
// certificate for the host name, kept in a directory so a restart presents the same one (a
// client that pinned it, or an operator who noted its fingerprint, keeps working).

export interface TlsMaterial {
  key: string;
  cert: string;
}

export interface TlsCertificateOptions {
  /** PEM files supplied by the operator; both or neither. */
  certFile?: string;
  keyFile?: string;
  hostname: string;
  /** Where a generated certificate is kept. */
  cacheDir: string;
  /** Epoch ms, from the Clock port: validity starts here and a cached certificate is judged by it. */
  now: number;
}

const VALIDITY_MS = 5 * 365 * 24 * 60 * 60 * 1000;
/** A cached certificate this close to expiry is replaced. */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

export async function loadTlsCertificate(options: TlsCertificateOptions): Promise<TlsMaterial> {
  const { certFile, keyFile } = options;
  if (certFile || keyFile) {
    if (!certFile || !keyFile)
      throw new Error('TLS: give both a certificate file and a key file, or neither');
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  }
  const base = join(options.cacheDir, `smtp-${options.hostname}`);
  const cached = await readCached(base, options);
  if (cached) return cached;
  // Loaded only to make a certificate: a start that finds one kept never needs its memory.
  const { generate } = await import('selfsigned');
  const generated = await generate([{ name: 'commonName', value: options.hostname }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(options.now),
    notAfterDate: new Date(options.now + VALIDITY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: options.hostname }] },
    ],
  });
  const material = { key: generated.private, cert: generated.cert };
  await mkdir(options.cacheDir, { recursive: true, mode: 0o700 });
  // Key first, then the certificate: a certificate on disk always has its key beside it.
  await writeAtomically(`${base}.key.pem`, material.key, 0o600);
  await writeAtomically(`${base}.cert.pem`, material.cert, 0o644);
  return material;
}

async function readCached(base: string, options: TlsCertificateOptions): Promise<TlsMaterial | null> {
  let material: TlsMaterial;
  try {
    material = {
      key: await readFile(`${base}.key.pem`, 'utf8'),
      cert: await readFile(`${base}.cert.pem`, 'utf8'),
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const certificate = new X509Certificate(material.cert);
    const fresh = Date.parse(certificate.validTo) - RENEW_BEFORE_MS > options.now;
    const matches = certificate.checkHost(options.hostname) !== undefined;
    return fresh && matches && certificate.checkPrivateKey(createPrivateKey(material.key)) ? material : null;
  } catch {
    // An unreadable cache is replaced, not fatal.
    return null;
  }
}

async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode });
  await rename(temporary, path);
}
