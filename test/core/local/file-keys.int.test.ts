import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileKeys } from '../../../core/local/file-keys.ts';
import { keysContract } from '../ports/keys.contract.ts';

const tempDir = () => mkdtemp(join(tmpdir(), 'postern-keys-'));

keysContract('FileKeys', async () => {
  const dir = await tempDir();
  const [keys, foreign] = await Promise.all([
    FileKeys.open(join(dir, 'ours')),
    FileKeys.open(join(dir, 'theirs')),
  ]);
  return {
    keys,
    foreign,
    reopen: () => FileKeys.open(join(dir, 'ours')),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

void describe('FileKeys beyond the contract', () => {
  let dir: string;
  let keys: FileKeys;

  before(async () => {
    dir = await tempDir();
    keys = await FileKeys.open(join(dir, 'keys'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it('writes v1:<iv>:<tag>:<data>, with a 12-byte iv and a 16-byte tag', async () => {
    const ciphertext = await keys.encrypt('same');
    assert.match(ciphertext, /^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]*$/);
    const [, iv, tag] = ciphertext.split(':');
    assert.equal(Buffer.from(iv ?? '', 'base64').length, 12);
    assert.equal(Buffer.from(tag ?? '', 'base64').length, 16);
  });

  void it('refuses another version and a missing part', async () => {
    const [, iv = '', tag = '', data = ''] = (await keys.encrypt('secret value')).split(':');
    await assert.rejects(keys.decrypt(['v2', iv, tag, data].join(':')), /not a v1 ciphertext/);
    await assert.rejects(keys.decrypt(['v1', iv, tag].join(':')), /not a v1 ciphertext/);
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
