import assert from 'node:assert/strict';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { Clock } from '../../../core/ports.ts';

// What every Clock adapter must give: whole epoch milliseconds, the unit every stored time is
// in (ARCHITECTURE.md, "Columns"), that never go backwards while a caller watches. Run by each
// adapter's test file with a factory that gives a clock as the composition root would build it.

export type ClockFactory = () => Clock;

/** Epoch milliseconds of this century and the next: seconds or microseconds fall outside. */
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);

export function clockContract(label: string, make: ClockFactory): void {
  void describe(`${label}: Clock contract`, () => {
    void it('tells the time in whole epoch milliseconds', () => {
      const now = make().now();
      assert.ok(Number.isSafeInteger(now), `${now} is a whole number`);
      assert.ok(now >= EARLIEST && now < LATEST, `${now} reads as ${new Date(now).toISOString()}`);
    });

    void it('never goes backwards, call after call and across turns of the event loop', async () => {
      const clock = make();
      const readings = Array.from({ length: 10_000 }, () => clock.now());
      await nextTurn();
      readings.push(clock.now());
      await sleep(5);
      readings.push(clock.now());
      const backwards = readings.findIndex(
        (reading, index) => index > 0 && reading < (readings[index - 1] ?? 0),
      );
      assert.equal(backwards, -1, `reading ${backwards} went back`);
    });
  });
}
