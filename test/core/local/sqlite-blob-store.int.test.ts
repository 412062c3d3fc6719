import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readlinkSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileBlobStore } from '../../../core/local/file-blob-store.ts';
import { SqliteBlobStore } from '../../../core/local/sqlite-blob-store.ts';
import type { BlobObject } from '../../../core/ports.ts';
import { ManualClock } from '../../fakes/manual-clock.ts';
import { DatasyncCounter } from '../../helpers/datasync-counter.ts';
import { blobStoreContract } from '../ports/blob-store.contract.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
// Above the size a row holds: such a body is a file of the file store.
const LARGE = 300 * 1024;

interface Opened {
  store: SqliteBlobStore;
  dir: string;
  /** Where a large body's file lives. */
  fileOf(key: string): string;
  cleanup(): Promise<void>;
}

async function openStore(clock = new ManualClock(Date.now())): Promise<Opened> {
  const dir = await mkdtemp(join(tmpdir(), 'postern-sqlite-blobs-'));
  const { store } = await SqliteBlobStore.open({
    path: join(dir, 'blobs.db'),
    files: new FileBlobStore(join(dir, 'files')),
    clock,
  });
  return {
    store,
    dir,
    fileOf: (key) => join(dir, 'files', ...key.split('/')),
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function body(result: BlobObject | 'not-modified' | null): Buffer {
  assert.ok(result && result !== 'not-modified', `expected an object, got ${String(result)}`);
  return Buffer.from(result.body);
}

const bodyOf = async (store: SqliteBlobStore, key: string): Promise<Buffer> => body(await store.get(key));

const md5 = (content: Uint8Array) => createHash('md5').update(content).digest('hex');

blobStoreContract('SqliteBlobStore', async () => {
  const { store, cleanup } = await openStore();
  return { store, cleanup };
});

void describe('SqliteBlobStore beyond the contract', () => {
  void it('keeps what was put across a reopen of its file', async () => {
    const opened = await openStore();
    try {
      await opened.store.put('raw/2026/11/25/1.eml', 'small body');
      await opened.store.put('raw/2026/11/25/2.eml', randomBytes(LARGE));
      await opened.store.close();
      const { store: again } = await SqliteBlobStore.open({
        path: join(opened.dir, 'blobs.db'),
        files: new FileBlobStore(join(opened.dir, 'files')),
      });
      try {
        assert.equal(body(await again.get('raw/2026/11/25/1.eml')).toString(), 'small body');
        assert.equal(body(await again.get('raw/2026/11/25/2.eml')).length, LARGE);
      } finally {
        await again.close();
      }
    } finally {
      await rm(opened.dir, { recursive: true, force: true });
    }
  });

  void it('adopts, once, the files of a data directory where every blob was a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'postern-sqlite-blobs-'));
    try {
      const files = new FileBlobStore(join(dir, 'blobs'));
      const large = randomBytes(LARGE);
      await files.put('raw/2026/11/24/waiting.eml', 'accepted before the upgrade');
      await files.put('raw/2026/11/24/large.eml', large);
      await files.put('policy/snapshot.json', '{"version":7}');
      const old = new Date(Date.now() - 20 * DAY_MS);
      await utimes(join(dir, 'blobs', 'raw', '2026', '11', '24', 'waiting.eml'), old, old);
      await writeFile(join(dir, 'blobs', 'raw', '.unfinished.tmp'), 'half');

      const open = () =>
        SqliteBlobStore.open({ path: join(dir, 'blobs.db'), files: new FileBlobStore(join(dir, 'blobs')) });
      const first = await open();
      try {
        assert.equal(first.adopted, 3, 'every file but the temp one');
        const { store } = first;
        assert.equal(
          body(await store.get('raw/2026/11/24/waiting.eml')).toString(),
          'accepted before the upgrade',
        );
        const snapshot = await store.get('policy/snapshot.json');
        assert.ok(snapshot && snapshot !== 'not-modified');
        assert.equal(
          snapshot.etag,
          md5(Buffer.from('{"version":7}')),
          "a file answers with its content's etag",
        );
        assert.ok(
          await store.put('policy/snapshot.json', '{"version":8}', { ifMatch: snapshot.etag }),
          'and conditions hold against it',
        );
        assert.ok(body(await store.get('raw/2026/11/24/large.eml')).equals(large));
        assert.equal(await store.get('raw/.unfinished.tmp'), null);
        assert.equal(
          await store.expire('raw/', Date.now() - 14 * DAY_MS),
          1,
          "a file's age is its modification time",
        );
        await store.delete('raw/2026/11/24/large.eml');
      } finally {
        await first.store.close();
      }
      const second = await open();
      try {
        assert.equal(second.adopted, 0, 'adopted once only');
        assert.equal(
          await second.store.get('raw/2026/11/24/large.eml'),
          null,
          'what was deleted since stays deleted',
        );
        assert.equal(body(await second.store.get('policy/snapshot.json')).toString(), '{"version":8}');
      } finally {
        await second.store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void it('puts a large body in a file, and takes the file away when the key shrinks or goes', async () => {
    const { store, fileOf, cleanup } = await openStore();
    try {
      const large = randomBytes(LARGE);
      const put = await store.put('raw/big.eml', large);
      assert.equal(put?.etag, md5(large));
      assert.ok(existsSync(fileOf('raw/big.eml')), 'a large body is a file');
      const got = await store.get('raw/big.eml');
      assert.ok(body(got).equals(large));
      assert.equal(await store.get('raw/big.eml', { ifNoneMatch: md5(large) }), 'not-modified');

      await store.put('raw/big.eml', 'now small');
      assert.equal(existsSync(fileOf('raw/big.eml')), false, 'a body that fits a row leaves its file');
      assert.equal(body(await store.get('raw/big.eml')).toString(), 'now small');

      await store.put('raw/other.eml', large);
      await store.delete('raw/other.eml');
      assert.equal(existsSync(fileOf('raw/other.eml')), false);
      assert.equal(await store.get('raw/other.eml'), null);

      await store.put('small.txt', 'row');
      assert.equal(existsSync(fileOf('small.txt')), false, 'a small body is a row, not a file');
    } finally {
      await cleanup();
    }
  });

  void it('checks conditions against a large body as against a small one', async () => {
    const { store, cleanup } = await openStore();
    try {
      const first = randomBytes(LARGE);
      const second = randomBytes(LARGE);
      const created = await store.put('policy/snapshot.json', first, { ifNoneMatch: '*' });
      assert.equal(created?.etag, md5(first));
      assert.equal(await store.put('policy/snapshot.json', second, { ifNoneMatch: '*' }), null);
      assert.equal(await store.put('policy/snapshot.json', second, { ifMatch: 'stale' }), null);
      assert.equal(
        (await store.put('policy/snapshot.json', second, { ifMatch: md5(first) }))?.etag,
        md5(second),
      );
      assert.ok(body(await store.get('policy/snapshot.json')).equals(second));
    } finally {
      await cleanup();
    }
  });

  void it('refuses the keys a file store would refuse, small body or large', async () => {
    const { store, cleanup } = await openStore();
    try {
      for (const key of ['', '../outside', 'a//b', 'a/', './a', 'a/../b', 'nul\0byte']) {
        await assert.rejects(store.put(key, 'x'), RangeError, `put ${JSON.stringify(key)}`);
        await assert.rejects(store.get(key), RangeError, `get ${JSON.stringify(key)}`);
        await assert.rejects(store.delete(key), RangeError, `delete ${JSON.stringify(key)}`);
      }
    } finally {
      await cleanup();
    }
  });

  void it('expires the blobs of a prefix written before a time by its clock, and nothing else', async () => {
    const clock = new ManualClock(Date.now());
    const { store, fileOf, cleanup } = await openStore(clock);
    try {
      await store.put('claims/1-1', '{}');
      await store.put('claims/sub/2-1', '{}');
      await store.put('claims/3-1', randomBytes(LARGE));
      await store.put('claims-other/4-1', '{}');
      await store.put('claims0', '{}');
      await store.put('raw/old.eml', '{}');
      clock.advance(15 * DAY_MS);
      await store.put('claims/5-1', '{}');
      const cutoff = clock.now() - 14 * DAY_MS;
      assert.equal(await store.expire('claims/', cutoff), 3);
      for (const key of ['claims/1-1', 'claims/sub/2-1', 'claims/3-1']) {
        assert.equal(await store.get(key), null, `${key} expired`);
      }
      assert.equal(existsSync(fileOf('claims/3-1')), false, "an expired large body's file goes too");
      for (const key of ['claims/5-1', 'claims-other/4-1', 'claims0', 'raw/old.eml']) {
        assert.ok(await store.get(key), `${key} stays`);
      }
      assert.equal(await store.expire('claims/', cutoff), 0);
      await assert.rejects(store.expire('claims', cutoff), RangeError);
    } finally {
      await cleanup();
    }
  });

  void it('expires more blobs than one statement deletes', async () => {
    const clock = new ManualClock(Date.now());
    const { store, cleanup } = await openStore(clock);
    try {
      await Promise.all(Array.from({ length: 2500 }, (_, n) => store.put(`claims/${n}-1`, '{}')));
      clock.advance(DAY_MS);
      assert.equal(await store.expire('claims/', clock.now()), 2500);
      assert.equal(await store.get('claims/2499-1'), null);
    } finally {
      await cleanup();
    }
  });

  void describe('durability', () => {
    const counter = new DatasyncCounter();
    before(() => counter.start());
    after(() => counter.stop());

    void it('resolves a put only after its log was synced, and shares the sync among concurrent puts', async () => {
      const { store, cleanup } = await openStore();
      try {
        counter.reset();
        await store.put('raw/1.eml', 'one');
        assert.equal(counter.syncs.length, 1, 'one sync for one put');
        counter.reset();
        await Promise.all(
          Array.from({ length: 50 }, (_, n) => store.put(`accepted/${n}.json`, `{"n":${n}}`)),
        );
        assert.ok(
          counter.syncs.length >= 1 && counter.syncs.length <= 3,
          `${counter.syncs.length} syncs for 50 concurrent puts`,
        );
        counter.reset();
        await store.delete('raw/1.eml');
        assert.equal(counter.syncs.length, 1, 'a delete is durable too');
        counter.reset();
        await store.delete('raw/1.eml');
        assert.equal(counter.syncs.length, 0, 'deleting a missing key writes nothing');
      } finally {
        await cleanup();
      }
    });

    void it('copies the log into the database file a slice at a time, keeping every copied frame in the log until the file is synced', async () => {
      const { store, dir, cleanup } = await openStore();
      const database = join(dir, 'blobs.db');
      // What a crash could leave of the database file: none of the copies made since it was synced.
      const unsynced = join(dir, 'unsynced');
      await mkdir(unsynced);
      await copyFile(database, join(unsynced, 'blobs.db'));
      // Which file each synced descriptor names, while it is still open.
      const syncedFile = (fd: number) => readlinkSync(`/proc/self/fd/${fd}`);
      try {
        const body = randomBytes(200 * 1024);
        counter.reset();
        for (let n = 0; n < 15; n += 1) await store.put(`raw/${n}.eml`, body);
        assert.ok(statSync(database).size > 1024 * 1024, 'slices of the log were copied into the file');
        assert.ok(
          !counter.syncs.map(syncedFile).includes(database),
          'a slice leaves the file unsynced: the log still holds what it copied',
        );
        await copyFile(`${database}-wal`, join(unsynced, 'blobs.db-wal'));
        const recovered = new DatabaseSync(join(unsynced, 'blobs.db'));
        try {
          for (let n = 0; n < 15; n += 1) {
            const row = recovered.prepare('select body from blobs where key = ?').get(`raw/${n}.eml`) as
              { body: Uint8Array } | undefined;
            assert.ok(
              row && body.equals(row.body),
              `raw/${n}.eml replayed from the log over the unsynced file`,
            );
          }
        } finally {
          recovered.close();
        }

        for (let n = 15; n < 90; n += 1) await store.put(`raw/${n}.eml`, body);
        const files = counter.syncs.map(syncedFile);
        assert.ok(files.includes(database), 'past 4 MB, the log was copied whole and the file synced');
        assert.ok(files.includes(`${database}-wal`), 'and the log after each commit');
        assert.ok(
          statSync(`${database}-wal`).size < 5 * 1024 * 1024,
          `the log started over rather than holding all 18 MB (${statSync(`${database}-wal`).size} bytes)`,
        );
        for (let n = 0; n < 90; n += 1) assert.ok(body.equals(await bodyOf(store, `raw/${n}.eml`)));
      } finally {
        await cleanup();
      }
    });
  });
});
