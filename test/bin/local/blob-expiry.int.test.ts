import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startBlobExpiry } from '../../../bin/local/blob-expiry.ts';
import { localBlobStore } from '../../../bin/local/local-context.ts';
import { ManualClock } from '../../fakes/manual-clock.ts';
import { MemoryLogger } from '../../fakes/memory-logger.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('local blob expiry', () => {
  it('sweeps each rule on its interval, by the clock it is given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'postern-expiry-'));
    const clock = new ManualClock(Date.now());
    const blobs = await localBlobStore(dir, clock);
    const logger = new MemoryLogger();
    await blobs.put('claims/7-1', '{}');
    clock.advance(DAY_MS);
    await blobs.put('claims/8-1', '{}');
    const expiry = startBlobExpiry({
      blobs,
      rules: [{ prefix: 'claims/', afterDays: 14 }],
      clock,
      logger,
      intervalMs: 20,
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(await blobs.get('claims/7-1'), 'a day-old claim outlives a 14-day rule');
      clock.advance(14 * DAY_MS);
      // The sweep logs what it removed once it is done: wait for that, not for the file alone.
      const swept = () => logger.has('info', 'expired blobs', { prefix: 'claims/', removed: 1 });
      for (let waited = 0; waited < 5000 && !swept(); waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(swept(), 'a sweep reported the expired claim');
      assert.equal(await blobs.get('claims/7-1'), null, 'expired once 14 days old by the clock');
      assert.ok(await blobs.get('claims/8-1'), 'a claim written now has 14 days to go');
    } finally {
      await expiry.stop();
      await blobs.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
