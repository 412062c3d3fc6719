import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AcceptActivity } from '../../../bin/local/accept-activity.ts';

void describe('AcceptActivity', () => {
  void it('is recent only within the window after a mark', async () => {
    const activity = new AcceptActivity();
    assert.equal(activity.recent(), false, 'nothing marked yet');
    const { mark } = activity;
    mark();
    assert.equal(activity.recent(), true);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(activity.recent(20), false, '30 ms later, outside a 20 ms window');
    assert.equal(activity.recent(1000), true, 'and inside a second');
  });
});
