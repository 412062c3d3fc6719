import type { Clock } from '../ports.ts';

/** The machine's wall clock; the one place outside tests that reads it. */
export const systemClock: Clock = { now: () => Date.now() };
