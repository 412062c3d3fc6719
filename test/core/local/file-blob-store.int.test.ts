import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileBlobStore } from '../../../core/local/file-blob-store.ts';
import { blobStoreContract } from '../ports/blob-store.contract.ts';

const tempDir = () => mkdtemp(join(tmpdir(), 'postern-blobs-'));

/** Runs `work` in a new temporary directory, removed afterwards whatever happens. */
async function inTempDir(work: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  try {
    await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

blobStoreContract('FileBlobStore', async () => {
  const dir = await tempDir();
  return { store: new FileBlobStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

void describe('FileBlobStore beyond the contract', () => {
  void it('keeps each blob as a file at its key under the root, with no temp files left', () =>
    inTempDir(async (dir) => {
      const store = new FileBlobStore(join(dir, 'blobs'));
      await store.put('raw/2026/11/25/123.eml', 'one');
      await store.put('raw/2026/11/25/123.eml', 'two');
      await store.put('policy/snapshot.json', '{}', { ifNoneMatch: '*' });
      assert.equal(await readFile(join(dir, 'blobs/raw/2026/11/25/123.eml'), 'utf8'), 'two');
      const files = await readdir(join(dir, 'blobs'), { recursive: true });
      assert.deepEqual(
        files.filter((name) => name.endsWith('.tmp')),
        [],
      );
    }));

  void it('gives the hex MD5 of the content as etag', () =>
    inTempDir(async (dir) => {
      const store = new FileBlobStore(dir);
      const put = await store.put('a', 'hello');
      assert.equal(put?.etag, createHash('md5').update('hello').digest('hex'));
    }));

  void it('refuses keys that escape the root or have empty segments', () =>
    inTempDir(async (dir) => {
      const store = new FileBlobStore(join(dir, 'root'));
      for (const key of [
        '',
        '../outside',
        'a/../../outside',
        '/etc/passwd',
        'a//b',
        'a/',
        './a',
        'a/./b',
        'a\0b',
      ]) {
        await assert.rejects(store.put(key, 'x'), RangeError, JSON.stringify(key));
        await assert.rejects(store.get(key), RangeError, JSON.stringify(key));
        await assert.rejects(store.delete(key), RangeError, JSON.stringify(key));
      }
      assert.deepEqual(await readdir(dir), []);
    }));

  void it('applies writes to one key in call order, so a conditional put sees the put before it', () =>
    inTempDir(async (dir) => {
      const store = new FileBlobStore(dir);
      const md5 = (text: string) => createHash('md5').update(text).digest('hex');
      // Started together: without the per-key lock the conditional put would read before the
      // first write landed and be refused.
      const [first, second, third] = await Promise.all([
        store.put('policy/snapshot.json', 'v1'),
        store.put('policy/snapshot.json', 'v2', { ifMatch: md5('v1') }),
        store.put('policy/snapshot.json', 'v3', { ifMatch: md5('v1') }),
      ]);
      assert.equal(first?.etag, md5('v1'));
      assert.equal(second?.etag, md5('v2'));
      assert.equal(third, null);
    }));

  void it('keeps bodies above the synchronous-I/O limit byte for byte (written and read asynchronously)', () =>
    inTempDir(async (dir) => {
      const store = new FileBlobStore(dir);
      for (const size of [256 * 1024, 256 * 1024 + 1, 3 * 1024 * 1024 + 7]) {
        const body = randomBytes(size);
        const put = await store.put(`raw/${size}.eml`, body);
        const got = await store.get(`raw/${size}.eml`);
        assert.ok(got && got !== 'not-modified');
        assert.equal(Buffer.compare(Buffer.from(got.body), body), 0, `${size} bytes`);
        assert.equal(got.etag, put?.etag);
      }
    }));

  void it('answers null for a key that names a folder of other keys', () =>
    inTempDir(async (dir) => {
      const store = new FileBlobStore(dir);
      await store.put('raw/2026/a.eml', 'x');
      assert.equal(await store.get('raw/2026'), null);
      assert.equal(await store.get('raw/2026/a.eml/deeper'), null);
    }));
});
