import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AcceptActivity } from '../../../bin/local/accept-activity.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

void describe('AcceptActivity', () => {
  void it('is busy while messages arrive at its rate or faster, and not for long after', async () => {
    // 100 a second: 10 in a window of 100 ms.
    const activity = new AcceptActivity(100);
    assert.equal(activity.busy(), false, 'nothing marked yet');
    const { mark } = activity;
    for (let n = 0; n < 5; n += 1) mark();
    assert.equal(activity.busy(), false, 'five in a window is 50 a second');
    for (let n = 0; n < 5; n += 1) mark();
    assert.equal(activity.busy(), true, 'ten is the busy rate');
    await sleep(250);
    assert.equal(activity.busy(), false, 'two windows later, nothing arrived');
  });
});
