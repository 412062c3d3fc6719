import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, createSign, createVerify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Keys, SigningKey } from '../../../core/ports.ts';

// What every Keys adapter must do, whatever holds its key material (a key file, KMS). Run by
// each adapter's test file with a factory that gives an installation's keys and another
// installation's (different key material), and, where the adapter can, the same installation's
// keys opened again as a restarted process would.

export type KeysFactory = () => Promise<{
  keys: Keys;
  /** Keys of another installation: what one encrypts, the other cannot decrypt. */
  foreign: Keys;
  /** The same key material opened anew; absent when the adapter has no notion of reopening. */
  reopen?: () => Promise<Keys>;
  cleanup(): Promise<void>;
}>;

const PLAINTEXTS: readonly (readonly [label: string, plaintext: string])[] = [
  ['empty', ''],
  ['ASCII', 'dkim private key'],
  ['UTF-8', 'héllo ✉ 📬 Grüße, 日本語, e\u0301'],
  ['separators and control characters', 'a:b:c\r\n\t"\'\\\0end'],
  ['a PEM', '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n'],
  ['long', 'x'.repeat(100_000)],
];

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The ciphertext with the character at `index` changed. A base64 digit gets its highest bit
 * flipped, which changes what it encodes even in the digit before padding (whose low bits may be
 * unused); anything else (a separator, padding, a version tag) becomes '~'.
 */
function tamper(ciphertext: string, index: number): { tampered: string; digit: boolean } {
  const char = ciphertext.charAt(index);
  const alphabet = BASE64URL.includes(char) && !BASE64.includes(char) ? BASE64URL : BASE64;
  const digit = alphabet.indexOf(char);
  const replacement = digit === -1 ? (char === '~' ? '!' : '~') : (alphabet[digit ^ 32] as string);
  return {
    tampered: ciphertext.slice(0, index) + replacement + ciphertext.slice(index + 1),
    digit: digit !== -1,
  };
}

/** Up to `count` positions spread over the string, its first and last included. */
function positions(length: number, count: number): number[] {
  if (length <= count) return Array.from({ length }, (_, index) => index);
  return [
    ...new Set(Array.from({ length: count }, (_, step) => Math.round((step * (length - 1)) / (count - 1)))),
  ];
}

/** RFC 7638 section 3.2: SHA-256 of the required members in lexicographic order, no whitespace. */
function thumbprint(publicKeyPem: string): string {
  const { e, kty, n } = createPublicKey(publicKeyPem).export({ format: 'jwk' });
  return createHash('sha256').update(JSON.stringify({ e, kty, n })).digest('base64url');
}

function modulusBits(publicKeyPem: string): number {
  const n = Buffer.from(createPublicKey(publicKeyPem).export({ format: 'jwk' }).n ?? '', 'base64url');
  const first = n.findIndex((byte) => byte !== 0);
  if (first === -1) return 0;
  return (n.length - first) * 8 - Math.clz32(n[first] as number) + 24;
}

export function keysContract(label: string, make: KeysFactory): void {
  void describe(`${label}: Keys contract`, () => {
    let keys: Keys;
    let foreign: Keys;
    let reopen: (() => Promise<Keys>) | undefined;
    let cleanup: () => Promise<void>;

    before(async () => {
      ({ keys, foreign, reopen, cleanup } = await make());
    });
    after(async () => {
      await cleanup();
    });

    void it('decrypts what it encrypted', async () => {
      for (const [name, plaintext] of PLAINTEXTS) {
        const ciphertext = await keys.encrypt(plaintext);
        assert.equal(typeof ciphertext, 'string', name);
        assert.equal(await keys.decrypt(ciphertext), plaintext, name);
      }
    });

    void it('gives a different ciphertext each time, none showing the plaintext', async () => {
      const plaintext = 'the same DKIM private key';
      const ciphertexts = await Promise.all(Array.from({ length: 20 }, () => keys.encrypt(plaintext)));
      assert.equal(new Set(ciphertexts).size, ciphertexts.length);
      for (const ciphertext of ciphertexts) {
        assert.ok(!ciphertext.includes(plaintext), ciphertext);
        assert.ok(!ciphertext.includes(Buffer.from(plaintext).toString('base64')), ciphertext);
      }
    });

    void it('refuses a ciphertext with any data character changed', async () => {
      for (const plaintext of ['', 'secret value', 'y'.repeat(300)]) {
        const ciphertext = await keys.encrypt(plaintext);
        for (const index of positions(ciphertext.length, 64)) {
          const { tampered, digit } = tamper(ciphertext, index);
          const what = `position ${index}: ${tampered}`;
          if (digit) {
            await assert.rejects(keys.decrypt(tampered), Error, what);
            continue;
          }
          // A changed separator or padding character may be refused or, by a lenient decoder,
          // skipped; either way nothing but the original plaintext may come out.
          const decrypted = await keys.decrypt(tampered).catch((error: unknown) => error);
          if (!(decrypted instanceof Error)) assert.equal(decrypted, plaintext, what);
        }
      }
    });

    void it('refuses a truncated ciphertext and one that is none', async () => {
      const ciphertext = await keys.encrypt('secret value');
      // Padding comes off first, so that each cut takes away data.
      const unpadded = ciphertext.replace(/=+$/, '');
      for (const bad of [
        unpadded.slice(0, -1),
        ciphertext.slice(0, Math.floor(ciphertext.length / 2)),
        ciphertext.slice(1),
        '',
        'secret value',
      ]) {
        await assert.rejects(keys.decrypt(bad), Error, JSON.stringify(bad));
      }
    });

    void it("refuses another installation's ciphertext, both ways", async () => {
      await assert.rejects(foreign.decrypt(await keys.encrypt('secret value')));
      await assert.rejects(keys.decrypt(await foreign.encrypt('secret value')));
      assert.equal(await foreign.decrypt(await foreign.encrypt('theirs')), 'theirs');
    });

    void it('gives an RSA signing key of at least 2048 bits, as PKCS#8 and SPKI PEM', async () => {
      const { privateKeyPem, publicKeyPem } = await keys.signingKey();
      assert.match(
        privateKeyPem,
        /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PRIVATE KEY-----\n$/,
      );
      assert.match(
        publicKeyPem,
        /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PUBLIC KEY-----\n$/,
      );
      assert.equal(createPrivateKey(privateKeyPem).asymmetricKeyType, 'rsa');
      assert.equal(createPublicKey(publicKeyPem).asymmetricKeyType, 'rsa');
      assert.ok(modulusBits(publicKeyPem) >= 2048, `${modulusBits(publicKeyPem)}-bit modulus`);
    });

    void it('gives a public key that is the private key’s', async () => {
      const { privateKeyPem, publicKeyPem } = await keys.signingKey();
      const derived = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' });
      assert.deepEqual(createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' }), derived);
      const signature = createSign('sha256').update('payload').sign(privateKeyPem);
      assert.ok(createVerify('sha256').update('payload').verify(publicKeyPem, signature));
    });

    void it('gives the RFC 7638 thumbprint of the public key as kid', async () => {
      const { publicKeyPem, kid } = await keys.signingKey();
      assert.match(kid, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(kid, thumbprint(publicKeyPem));
    });

    void it('gives the same signing key on every call, unharmed by a caller changing a copy', async () => {
      const first = await keys.signingKey();
      const copy: SigningKey = { ...first };
      first.kid = 'changed by a caller';
      const again = await Promise.all([keys.signingKey(), keys.signingKey()]);
      assert.deepEqual(again, [copy, copy]);
    });

    void it('has a signing key of its own, not another installation’s', async () => {
      const [ours, theirs] = await Promise.all([keys.signingKey(), foreign.signingKey()]);
      assert.notEqual(ours.kid, theirs.kid);
    });

    void it('keeps its keys when opened again', async (context) => {
      if (!reopen) {
        context.skip('this adapter has no notion of reopening');
        return;
      }
      const ciphertext = await keys.encrypt('kept across a restart');
      const again = await reopen();
      assert.equal(await again.decrypt(ciphertext), 'kept across a restart');
      assert.equal(await keys.decrypt(await again.encrypt('and back')), 'and back');
      assert.deepEqual(await again.signingKey(), await keys.signingKey());
    });
  });
}
