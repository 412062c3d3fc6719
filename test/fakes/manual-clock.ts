import type { Clock } from '../../core/ports.ts';

/** A clock that moves only when the test says so. Starts at 2026-11-25T12:00:00Z by default. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start: number = Date.UTC(2026, 10, 25, 12)) {
    this.#now = ManualClock.#checked(start);
  }

  now(): number {
    return this.#now;
  }

  set(ms: number): void {
    this.#now = ManualClock.#checked(ms);
  }

  advance(ms: number): void {
    this.#now = ManualClock.#checked(this.#now + ms);
  }

  static #checked(ms: number): number {
    if (!Number.isFinite(ms)) throw new RangeError(`ManualClock: ${ms} is not a finite time`);
    return ms;
  }
}
