import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { retryDelaySeconds } from '../../../core/delivery/retry-schedule.ts';

describe('retryDelaySeconds', () => {
  it("follows Postal's schedule: 5 minutes × 1.3^(attempt − 1)", () => {
    const minutes = [1, 2, 3, 4, 5, 18].map((attempt) => retryDelaySeconds(attempt, null) / 60);
    assert.deepEqual(
      minutes,
      [5, 6.5, 8.45, 10.985, 14.28, 432.5166666666667].map((m) => Math.round(m * 60) / 60),
    );
  });

  it('adds up to about 31 hours over 18 attempts', () => {
    let total = 0;
    for (let attempt = 1; attempt <= 18; attempt += 1) total += retryDelaySeconds(attempt, null);
    assert.equal(Math.round(total / 360) / 10, 31);
  });

  it("uses the remote's hint when there is one", () => {
    assert.equal(retryDelaySeconds(3, 190), 190);
    assert.equal(retryDelaySeconds(3, 0), 0);
  });
});
