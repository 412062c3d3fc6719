import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { systemClock } from '../../../core/local/system-clock.ts';
import { clockContract } from '../ports/clock.contract.ts';

clockContract('systemClock', () => systemClock);

void describe('systemClock beyond the contract', () => {
  void it("reads the machine's wall clock, and moves with it", async () => {
    const before = Date.now();
    const first = systemClock.now();
    assert.ok(first >= before && first <= Date.now());
    await sleep(20);
    assert.ok(systemClock.now() - first >= 15, 'real time passed');
  });
});
