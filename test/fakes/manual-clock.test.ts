import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clockContract } from '../core/ports/clock.contract.ts';
import { ManualClock } from './manual-clock.ts';

clockContract('ManualClock', () => new ManualClock());

void describe('ManualClock beyond the contract', () => {
  void it('starts at 2026-11-25T12:00:00Z and moves only when told', () => {
    const clock = new ManualClock();
    assert.equal(clock.now(), Date.UTC(2026, 10, 25, 12));
    clock.advance(1500);
    assert.equal(clock.now(), Date.UTC(2026, 10, 25, 12) + 1500);
    clock.set(Date.UTC(2030, 0, 1));
    assert.equal(clock.now(), Date.UTC(2030, 0, 1));
    assert.equal(new ManualClock(0).now(), 0);
  });

  void it('refuses a time that is not finite', () => {
    assert.throws(() => new ManualClock(Number.NaN), RangeError);
    assert.throws(() => new ManualClock().advance(Number.POSITIVE_INFINITY), RangeError);
    assert.throws(() => new ManualClock().set(Number.NaN), RangeError);
  });
});
