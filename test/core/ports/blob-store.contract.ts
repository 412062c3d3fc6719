import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { BlobObject, BlobStore } from '../../../core/ports.ts';

// What every BlobStore adapter must do, whatever it stores into. Run by each adapter's test file
// with a factory that gives a new, empty store; keys avoid one key being a "folder" of another,
// which S3 allows and a file system does not.

export type BlobStoreFactory = () => Promise<{ store: BlobStore; cleanup(): Promise<void> }>;

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function object(result: BlobObject | 'not-modified' | null): BlobObject {
  assert.ok(result && result !== 'not-modified', `expected an object, got ${String(result)}`);
  return result;
}

function created(result: { etag: string } | null): string {
  assert.ok(result, 'expected the put to succeed');
  assert.equal(typeof result.etag, 'string');
  assert.ok(result.etag.length > 0);
  return result.etag;
}

export function blobStoreContract(label: string, make: BlobStoreFactory): void {
  void describe(`${label}: BlobStore contract`, () => {
    let store: BlobStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup();
    });

    void it('gets back what was put, with the etag the put returned', async () => {
      const etag = created(await store.put('raw/2026/11/25/123.eml', 'Subject: hi\r\n\r\nhello\r\n'));
      const got = object(await store.get('raw/2026/11/25/123.eml'));
      assert.deepEqual(Buffer.from(got.body), Buffer.from('Subject: hi\r\n\r\nhello\r\n'));
      assert.equal(got.etag, etag);
    });

    void it('stores a string as UTF-8', async () => {
      await store.put('text/utf8.txt', 'héllo ✉ 📬');
      assert.deepEqual(
        Buffer.from(object(await store.get('text/utf8.txt')).body),
        Buffer.from('héllo ✉ 📬', 'utf8'),
      );
    });

    void it('keeps binary bodies byte for byte', async () => {
      const everyByte = Uint8Array.from({ length: 256 }, (_, index) => index);
      const random = new Uint8Array(randomBytes(300_000));
      await store.put('bin/every-byte', everyByte);
      await store.put('bin/random', random);
      assert.deepEqual(Buffer.from(object(await store.get('bin/every-byte')).body), Buffer.from(everyByte));
      assert.deepEqual(Buffer.from(object(await store.get('bin/random')).body), Buffer.from(random));
    });

    void it('stores an empty body', async () => {
      created(await store.put('empty', new Uint8Array()));
      assert.equal(object(await store.get('empty')).body.byteLength, 0);
    });

    void it('overwrites, with a new etag for new content', async () => {
      const first = created(await store.put('policy/snapshot.json', '{"version":1}'));
      const second = created(await store.put('policy/snapshot.json', '{"version":2}'));
      assert.notEqual(second, first);
      const got = object(await store.get('policy/snapshot.json'));
      assert.deepEqual(Buffer.from(got.body), Buffer.from('{"version":2}'));
      assert.equal(got.etag, second);
    });

    void it('answers null for a missing key', async () => {
      assert.equal(await store.get('nothing/here.eml'), null);
    });

    void it('deletes, and deleting a missing key is fine', async () => {
      await store.put('raw/1.eml', bytes('one'));
      await store.put('raw/2.eml', bytes('two'));
      await store.delete('raw/1.eml');
      assert.equal(await store.get('raw/1.eml'), null);
      assert.ok(object(await store.get('raw/2.eml')), 'a neighbour survives');
      await store.delete('raw/1.eml');
      await store.delete('never/was.eml');
    });

    void it('ifNoneMatch "*" creates a missing key and refuses an existing one', async () => {
      const etag = created(await store.put('policy/snapshot.json', 'v1', { ifNoneMatch: '*' }));
      assert.equal(await store.put('policy/snapshot.json', 'v2', { ifNoneMatch: '*' }), null);
      const got = object(await store.get('policy/snapshot.json'));
      assert.deepEqual(Buffer.from(got.body), Buffer.from('v1'));
      assert.equal(got.etag, etag);
    });

    void it('ifMatch writes over the current etag and refuses a stale one', async () => {
      const first = created(await store.put('policy/snapshot.json', 'v1'));
      const second = created(await store.put('policy/snapshot.json', 'v2', { ifMatch: first }));
      assert.equal(await store.put('policy/snapshot.json', 'v3', { ifMatch: first }), null);
      const got = object(await store.get('policy/snapshot.json'));
      assert.deepEqual(Buffer.from(got.body), Buffer.from('v2'));
      assert.equal(got.etag, second);
    });

    void it('ifMatch refuses a missing key', async () => {
      const etag = created(await store.put('other', 'x'));
      assert.equal(await store.put('policy/snapshot.json', 'v1', { ifMatch: etag }), null);
      assert.equal(await store.get('policy/snapshot.json'), null);
    });

    void it('lets exactly one of concurrent ifMatch puts win', async () => {
      const base = created(await store.put('policy/snapshot.json', 'base'));
      const writers = Array.from({ length: 10 }, (_, index) => `writer ${index}`);
      const results = await Promise.all(
        writers.map((body) => store.put('policy/snapshot.json', body, { ifMatch: base })),
      );
      const winners = writers.filter((_, index) => results[index] !== null);
      assert.equal(winners.length, 1, `winners: ${winners.join(', ')}`);
      const got = object(await store.get('policy/snapshot.json'));
      assert.deepEqual(Buffer.from(got.body), Buffer.from(winners[0] ?? ''));
    });

    void it('lets exactly one of concurrent ifNoneMatch "*" puts win', async () => {
      const writers = Array.from({ length: 10 }, (_, index) => `writer ${index}`);
      const results = await Promise.all(
        writers.map((body) => store.put('locks/once', body, { ifNoneMatch: '*' })),
      );
      const winners = writers.filter((_, index) => results[index] !== null);
      assert.equal(winners.length, 1, `winners: ${winners.join(', ')}`);
      assert.deepEqual(
        Buffer.from(object(await store.get('locks/once')).body),
        Buffer.from(winners[0] ?? ''),
      );
    });

    void it('answers not-modified to get with the current etag, and the object to a stale one', async () => {
      const first = created(await store.put('policy/snapshot.json', 'v1'));
      assert.equal(await store.get('policy/snapshot.json', { ifNoneMatch: first }), 'not-modified');
      const second = created(await store.put('policy/snapshot.json', 'v2'));
      const got = object(await store.get('policy/snapshot.json', { ifNoneMatch: first }));
      assert.equal(got.etag, second);
      assert.equal(await store.get('missing', { ifNoneMatch: first }), null);
    });

    void it('accepts a content type', async () => {
      created(await store.put('policy/snapshot.json', '{}', { contentType: 'application/json' }));
      assert.deepEqual(Buffer.from(object(await store.get('policy/snapshot.json')).body), Buffer.from('{}'));
    });
  });
}
