import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pooledRandomBytes } from '../../core/random-pool.ts';

describe('pooledRandomBytes', () => {
  it('gives the size asked for, below, across and above the pool', () => {
    for (const size of [0, 1, 24, 4000, 4096, 5000]) assert.equal(pooledRandomBytes(size).length, size);
  });

  it('never gives the same bytes twice, across many refills', () => {
    const seen = new Set<string>();
    for (let n = 0; n < 5000; n += 1) seen.add(pooledRandomBytes(24).toString('hex'));
    assert.equal(seen.size, 5000);
  });

  it('hands out copies: changing one leaves the next untouched', () => {
    const first = pooledRandomBytes(16);
    const before = pooledRandomBytes(16);
    const snapshot = Buffer.from(before);
    first.fill(0);
    assert.deepEqual(before, snapshot);
  });

  it('spreads its bytes over every value', () => {
    const counts = new Array<number>(256).fill(0);
    for (const byte of pooledRandomBytes(4096 * 64).values()) counts[byte] = (counts[byte] ?? 0) + 1;
    const expected = 1024;
    // A uniform source stays well within ±25 % of 1,024 for each of 256 values.
    for (const count of counts) assert.ok(Math.abs(count - expected) < expected / 4, `count ${count}`);
  });
});
