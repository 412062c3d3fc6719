import assert from 'node:assert/strict';
import { createHash, createPublicKey, createSign, createVerify } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileKeys } from '../../../core/local/file-keys.ts';

void describe('FileKeys', () => {
  let dir: string;
  let keys: FileKeys;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postern-keys-'));
    keys = await FileKeys.open(join(dir, 'keys'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it('decrypts what it encrypted', async () => {
    for (const plaintext of ['', 'dkim private key', 'héllo ✉ 📬', 'x'.repeat(100_000)]) {
      assert.equal(await keys.decrypt(await keys.encrypt(plaintext)), plaintext);
    }
  });

  void it('writes v1:<iv>:<tag>:<data>, with a fresh iv every time', async () => {
    const first = await keys.encrypt('same');
    const second = await keys.encrypt('same');
    assert.match(first, /^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]*$/);
    const [, iv, tag] = first.split(':');
    assert.equal(Buffer.from(iv ?? '', 'base64').length, 12);
    assert.equal(Buffer.from(tag ?? '', 'base64').length, 16);
    assert.notEqual(first, second);
  });

  void it('refuses tampered, truncated and foreign ciphertexts', async () => {
    const ciphertext = await keys.encrypt('secret value');
    const [version, iv = '', tag = '', data = ''] = ciphertext.split(':');
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      return bytes.toString('base64');
    };
    for (const bad of [
      [version, iv, tag, flip(data)],
      [version, iv, flip(tag), data],
      [version, flip(iv), tag, data],
      ['v2', iv, tag, data],
      [version, iv, tag],
    ]) {
      await assert.rejects(keys.decrypt(bad.join(':')), Error, bad.join(':'));
    }
    const other = await FileKeys.open(join(dir, 'other'));
    await assert.rejects(other.decrypt(ciphertext));
  });

  void it('creates the key files with mode 0600 and leaves no temp files', async () => {
    const names = (await readdir(join(dir, 'keys'))).sort();
    assert.deepEqual(names, ['master.key', 'signing.pem']);
    for (const name of names) {
      assert.equal((await stat(join(dir, 'keys', name))).mode & 0o777, 0o600, name);
    }
    const master = Buffer.from((await readFile(join(dir, 'keys', 'master.key'), 'utf8')).trim(), 'base64');
    assert.equal(master.length, 32);
    assert.match(await readFile(join(dir, 'keys', 'signing.pem'), 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
  });

  void it('reuses the keys when opened again', async () => {
    const ciphertext = await keys.encrypt('kept');
    const again = await FileKeys.open(join(dir, 'keys'));
    assert.equal(await again.decrypt(ciphertext), 'kept');
    assert.deepEqual(await again.signingKey(), await keys.signingKey());
  });

  void it('gives an RSA signing key whose kid is its RFC 7638 thumbprint', async () => {
    const { privateKeyPem, publicKeyPem, kid } = await keys.signingKey();
    const jwk = createPublicKey(publicKeyPem).export({ format: 'jwk' });
    assert.equal(jwk.kty, 'RSA');
    assert.match(privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    assert.match(publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    assert.equal(Buffer.from(jwk.n ?? '', 'base64url').length, 256, '2048-bit modulus');
    const members = `{"e":"${jwk.e}","kty":"RSA","n":"${jwk.n}"}`;
    assert.equal(kid, createHash('sha256').update(members).digest('base64url'));
    const signature = createSign('sha256').update('payload').sign(privateKeyPem);
    assert.ok(createVerify('sha256').update('payload').verify(publicKeyPem, signature), 'the pair matches');
  });

  void it('agrees on one set of keys when opened twice at once in an empty directory', async () => {
    const shared = join(dir, 'race');
    const [left, right] = await Promise.all([FileKeys.open(shared), FileKeys.open(shared)]);
    assert.equal(await right.decrypt(await left.encrypt('same key')), 'same key');
    assert.equal((await left.signingKey()).kid, (await right.signingKey()).kid);
  });

  void it('refuses a master key file that does not hold 32 bytes', async () => {
    const broken = join(dir, 'broken');
    await FileKeys.open(broken);
    await writeFile(join(broken, 'master.key'), Buffer.alloc(16).toString('base64'));
    await assert.rejects(FileKeys.open(broken), /32-byte/);
  });
});
