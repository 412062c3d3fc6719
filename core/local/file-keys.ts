import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  generateKeyPair,
  randomBytes,
} from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Keys, SigningKey } from '../ports.ts';

const MASTER_KEY_FILE = 'master.key';
const SIGNING_KEY_FILE = 'signing.pem';
const MASTER_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

const generateRsaKeyPair = promisify(generateKeyPair);

/**
 * Keys kept as files in the data directory, the local stand-in for KMS: a 256-bit master key for
 * AES-256-GCM and the installation's RSA signing key. Both are created on first use and reused.
 */
export class FileKeys implements Keys {
  readonly #masterKey: Buffer;
  readonly #signingKey: Readonly<SigningKey>;

  private constructor(masterKey: Buffer, signingKey: SigningKey) {
    this.#masterKey = masterKey;
    this.#signingKey = Object.freeze({ ...signingKey });
  }

  static async open(dir: string): Promise<FileKeys> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const masterKey = Buffer.from(
      await readOrCreate(join(dir, MASTER_KEY_FILE), async () =>
        randomBytes(MASTER_KEY_BYTES).toString('base64'),
      ),
      'base64',
    );
    if (masterKey.length !== MASTER_KEY_BYTES) {
      throw new Error(`${join(dir, MASTER_KEY_FILE)} does not hold a ${MASTER_KEY_BYTES}-byte base64 key`);
    }
    const privateKeyPem = await readOrCreate(join(dir, SIGNING_KEY_FILE), async () => {
      const { privateKey } = await generateRsaKeyPair('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      });
      return privateKey;
    });
    const publicKeyPem = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
    return new FileKeys(masterKey, {
      // Read back trimmed; PEM consumers expect the final newline, as the public key has.
      privateKeyPem: `${privateKeyPem}\n`,
      publicKeyPem,
      kid: jwkThumbprint(publicKeyPem),
    });
  }

  async encrypt(plaintext: string): Promise<string> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#masterKey, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv, tag, data]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64')))
      .join(':');
  }

  async decrypt(ciphertext: string): Promise<string> {
    const [version, iv, tag, data, ...rest] = ciphertext.split(':');
    if (
      version !== VERSION ||
      iv === undefined ||
      tag === undefined ||
      data === undefined ||
      rest.length > 0
    ) {
      throw new Error('not a v1 ciphertext');
    }
    const ivBytes = Buffer.from(iv, 'base64');
    const tagBytes = Buffer.from(tag, 'base64');
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES)
      throw new Error('malformed v1 ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', this.#masterKey, ivBytes, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tagBytes);
    try {
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new Error('ciphertext failed authentication: tampered with, or encrypted under another key', {
        cause: error,
      });
    }
  }

  async signingKey(): Promise<SigningKey> {
    return { ...this.#signingKey };
  }
}

/** RFC 7638: SHA-256 of the required JWK members in lexicographic order, without whitespace. */
function jwkThumbprint(publicKeyPem: string): string {
  const { e, kty, n } = createPublicKey(publicKeyPem).export({ format: 'jwk' });
  if (kty !== 'RSA' || !e || !n) throw new Error('the signing key is not an RSA key');
  return createHash('sha256').update(JSON.stringify({ e, kty, n })).digest('base64url');
}

/**
 * The file's content, or `create()`'s, written so that a crash never leaves half a key and two
 * processes starting at once agree on one: the key is written and synced to a temp file, then
 * linked into place, which (unlike rename) fails if another process got there first.
 */
async function readOrCreate(path: string, create: () => Promise<string>): Promise<string> {
  const existing = await readIfExists(path);
  if (existing !== null) return existing;
  const temp = `${path}.${randomBytes(8).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(await create(), 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temp);
  }
  await syncDirectory(join(path, '..'));
  const stored = await readIfExists(path);
  if (stored === null) throw new Error(`${path} vanished while it was being created`);
  return stored;
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
