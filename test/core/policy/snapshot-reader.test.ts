import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { setImmediate as flush } from 'node:timers/promises';
import { POLICY_SNAPSHOT_KEY } from '../../../core/policy/policy-snapshot.ts';
import { SnapshotReader } from '../../../core/policy/snapshot-reader.ts';
import { MemoryBlobStore } from '../../fakes/memory-blob-store.ts';
import { MemoryLogger } from '../../fakes/memory-logger.ts';
import { testSnapshot } from '../../helpers/policy-fixtures.ts';

void describe('SnapshotReader', () => {
  let blobs: MemoryBlobStore;
  let logger: MemoryLogger;
  let reader: SnapshotReader;

  const store = (version: number, extra: object = {}) =>
    blobs.put(POLICY_SNAPSHOT_KEY, JSON.stringify({ ...testSnapshot({ version }), ...extra }));

  beforeEach(() => {
    blobs = new MemoryBlobStore();
    logger = new MemoryLogger();
    reader = new SnapshotReader({ blobs, logger });
  });
  afterEach(() => reader.stop());

  void it('has no index before a snapshot is loaded, and starts without one', async () => {
    assert.equal(reader.current(), null);
    await reader.start();
    assert.equal(reader.current(), null);
    assert.ok(logger.has('warn', 'no policy snapshot stored yet'));
  });

  void it('loads the stored snapshot when it starts', async () => {
    await store(3);
    await reader.start();
    assert.equal(reader.current()?.version, 3);
    assert.ok(logger.has('info', 'policy snapshot loaded', { version: 3, source: 'blob store' }));
  });

  void it('takes a newer stored version and ignores an older or equal one', async () => {
    await store(3);
    await reader.refresh();
    await store(5);
    await reader.refresh();
    assert.equal(reader.current()?.version, 5);
    await store(4);
    await reader.refresh();
    assert.equal(reader.current()?.version, 5);
    await store(5, { generatedAt: 1 });
    await reader.refresh();
    assert.equal(reader.current()?.version, 5);
    assert.ok(logger.has('debug', 'policy snapshot not newer; ignored', { version: 4, current: 5 }));
  });

  void it('asks with the last etag and keeps its index on not-modified', async () => {
    await store(3);
    await reader.refresh();
    const before = reader.current();
    await reader.refresh();
    const gets = blobs.calls.filter((call) => call.operation === 'get');
    assert.equal(gets.length, 2);
    assert.equal(gets[0]?.ifNoneMatch, undefined);
    assert.ok(gets[1]?.ifNoneMatch, 'the second read is conditional');
    assert.equal(reader.current(), before, 'the same index object: nothing rebuilt');
  });

  void it('ignores a stored snapshot that is not JSON or not a snapshot, and logs it', async () => {
    await store(2);
    await reader.refresh();
    await blobs.put(POLICY_SNAPSHOT_KEY, '{ not json');
    await reader.refresh();
    assert.equal(reader.current()?.version, 2);
    await blobs.put(POLICY_SNAPSHOT_KEY, JSON.stringify({ version: 9, servers: 'many' }));
    await reader.refresh();
    assert.equal(reader.current()?.version, 2);
    assert.equal(
      logger.entries.filter((entry) => entry.message === 'stored policy snapshot is invalid; ignored').length,
      2,
    );
  });

  void it('keeps its index when the blob store fails', async () => {
    await store(2);
    await reader.refresh();
    blobs.failNext('get');
    await reader.refresh();
    assert.equal(reader.current()?.version, 2);
    assert.ok(
      logger.has('warn', 'policy snapshot could not be read; keeping the current one', { version: 2 }),
    );
  });

  void it('takes offered snapshots only when newer, and a later poll of an older one does not undo them', async () => {
    await store(2);
    await reader.refresh();
    assert.equal(reader.offer(testSnapshot({ version: 4 })), true);
    assert.equal(reader.current()?.version, 4);
    assert.equal(reader.offer(testSnapshot({ version: 4 })), false);
    assert.equal(reader.offer(testSnapshot({ version: 3 })), false);
    await store(3);
    await reader.refresh();
    assert.equal(reader.current()?.version, 4);
  });

  void it('refuses an offered snapshot that does not parse', () => {
    assert.equal(reader.offer({ version: 'one' }), false);
    assert.equal(reader.current(), null);
    assert.ok(logger.has('error', 'policy snapshot offered in-process is invalid; ignored'));
  });

  void it('polls again every interval once started', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      reader = new SnapshotReader({ blobs, logger, intervalMs: 1000 });
      await reader.start();
      assert.equal(reader.current(), null);
      await store(7);
      mock.timers.tick(999);
      await flush();
      assert.equal(reader.current(), null);
      mock.timers.tick(1);
      await flush();
      assert.equal(reader.current()?.version, 7);
      reader.stop();
      await store(8);
      mock.timers.tick(5000);
      await flush();
      assert.equal(reader.current()?.version, 7, 'no poll after stop');
    } finally {
      mock.timers.reset();
    }
  });

  void it('refuses a nonsensical interval', () => {
    assert.throws(() => new SnapshotReader({ blobs, logger, intervalMs: 0 }), RangeError);
  });
});
