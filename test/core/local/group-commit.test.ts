import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit } from '../../../core/local/group-commit.ts';

/** A flush that records its batches and finishes only when the test lets it. */
function gatedFlush() {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  let failNext: Error | null = null;
  const flush = async (items: number[]) => {
    batches.push(items);
    await new Promise<void>((resolve) => gates.push(resolve));
    if (failNext) {
      const error = failNext;
      failNext = null;
      throw error;
    }
  };
  const openGate = async () => {
    while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    gates.shift()!();
  };
  return { batches, flush, openGate, failNextWith: (error: Error) => (failNext = error) };
}

describe('GroupCommit', () => {
  it('flushes the callers of one tick together, and those arriving during a flush in the next', async () => {
    const gated = gatedFlush();
    const group = new GroupCommit(gated.flush);
    const first = [1, 2, 3].map((n) => group.submit(n));
    await gated.openGate().then(() => Promise.all(first));
    assert.deepEqual(gated.batches, [[1, 2, 3]]);

    const during = group.submit(4);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [5, 6].map((n) => group.submit(n));
    await gated.openGate();
    await during;
    await gated.openGate();
    await Promise.all(later);
    assert.deepEqual(gated.batches, [[1, 2, 3], [4], [5, 6]]);
  });

  it('does not settle a caller before the flush holding its item has finished', async () => {
    const gated = gatedFlush();
    const group = new GroupCommit(gated.flush);
    let settled = false;
    const pending = group.submit(1).then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false);
    await gated.openGate();
    await pending;
    assert.equal(settled, true);
  });

  it('rejects every caller of a failed batch and goes on with the next one', async () => {
    const gated = gatedFlush();
    const group = new GroupCommit(gated.flush);
    gated.failNextWith(new Error('disk full'));
    const failing = [1, 2].map((n) => group.submit(n));
    await new Promise((resolve) => setImmediate(resolve));
    const next = group.submit(3);
    await gated.openGate();
    for (const result of await Promise.allSettled(failing)) {
      assert.equal(result.status, 'rejected');
      assert.match(String(result.reason), /disk full/);
    }
    await gated.openGate();
    await next;
    assert.deepEqual(gated.batches, [[1, 2], [3]]);
  });

  it('splits a backlog into batches of at most maxBatch', async () => {
    const batches: number[][] = [];
    const group = new GroupCommit<number>(async (items) => {
      batches.push(items);
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((n) => group.submit(n)));
    assert.deepEqual(batches, [[1, 2], [3, 4], [5]]);
    assert.throws(() => new GroupCommit(async () => {}, 0), RangeError);
  });
});
