import { z } from 'zod';
import type { Clock } from '../../core/ports.ts';

// How many deliveries may run at once to one destination (a recipient domain or a relay). Remote
// MTAs meter senders by connection and message rate and say so with 421 or 4.7.x replies; the
// answer is AIMD, as TCP does with congestion: halve the limit on such a reply, then add one
// for every `limit` deliveries that go through. A halving is followed by a cool-down, during which
// further rate replies (from sends started before it) do not halve again and successes do not
// grow the limit. A destination left alone for a while starts afresh.
//
// AimdLimits is the pure, clock-driven core (no timers, no promises); DestinationLimiter adds
// waiting in line for a slot.

export type SlotOutcome = 'success' | 'rate_limited' | 'neutral';

export interface LimiterSettings {
  /** The limit a destination starts with, and returns to once forgotten. */
  initial: number;
  min: number;
  /** The limit never grows past this. */
  max: number;
  /** After a halving: no further halving and no growth for this long. */
  cooldownMs: number;
  /** A destination with nothing in flight whose last halving is this old is forgotten. */
  forgetAfterMs: number;
}

export const limiterDefaults: Readonly<LimiterSettings> = Object.freeze({
  initial: 10,
  min: 1,
  max: 10,
  cooldownMs: 60_000,
  forgetAfterMs: 60 * 60_000,
});

const Settings = z
  .object({
    initial: z.number().int().positive(),
    min: z.number().int().positive(),
    max: z.number().int().positive(),
    cooldownMs: z.number().int().nonnegative(),
    forgetAfterMs: z.number().int().nonnegative(),
  })
  .strict()
  .refine((s) => s.min <= s.initial && s.initial <= s.max, 'needs min <= initial <= max');

interface DestinationState {
  limit: number;
  inFlight: number;
  /** Successes counted towards the next increase. */
  successes: number;
  lastDecreaseAt: number | null;
}

export class AimdLimits {
  readonly #clock: Clock;
  readonly #settings: Readonly<LimiterSettings>;
  readonly #states = new Map<string, DestinationState>();

  constructor(clock: Clock, settings: Partial<LimiterSettings> = {}) {
    this.#clock = clock;
    this.#settings = Object.freeze(Settings.parse({ ...limiterDefaults, ...settings }));
  }

  limit(key: string): number {
    return this.#peek(key)?.limit ?? this.#settings.initial;
  }

  inFlight(key: string): number {
    return this.#peek(key)?.inFlight ?? 0;
  }

  /** Whether the destination has rate limited us and not yet earned back its initial limit. */
  throttled(key: string): boolean {
    return this.limit(key) < this.#settings.initial;
  }

  /** Takes a slot when the destination is under its limit. */
  tryAcquire(key: string): boolean {
    const state = this.#state(key);
    if (state.inFlight >= state.limit) return false;
    state.inFlight += 1;
    return true;
  }

  /** Gives a slot back and learns from how the delivery went. */
  release(key: string, outcome: SlotOutcome): void {
    const state = this.#peek(key);
    if (!state || state.inFlight === 0) throw new Error(`no slot of ${key} is taken`);
    state.inFlight -= 1;
    const now = this.#clock.now();
    const cooling = state.lastDecreaseAt !== null && now - state.lastDecreaseAt < this.#settings.cooldownMs;
    if (outcome === 'rate_limited' && !cooling) {
      state.limit = Math.max(this.#settings.min, Math.floor(state.limit / 2));
      state.lastDecreaseAt = now;
      state.successes = 0;
    } else if (outcome === 'success' && !cooling && state.limit < this.#settings.max) {
      state.successes += 1;
      if (state.successes >= state.limit) {
        state.limit += 1;
        state.successes = 0;
      }
    }
    if (state.inFlight === 0 && state.limit === this.#settings.initial && state.successes === 0) {
      this.#states.delete(key);
    }
  }

  /** The state, after forgetting a destination with nothing in flight whose last halving is long past. */
  #peek(key: string): DestinationState | undefined {
    const state = this.#states.get(key);
    if (!state || state.inFlight > 0) return state;
    const quiet =
      state.lastDecreaseAt === null ||
      this.#clock.now() - state.lastDecreaseAt >= this.#settings.forgetAfterMs;
    if (!quiet) return state;
    this.#states.delete(key);
    return undefined;
  }

  #state(key: string): DestinationState {
    let state = this.#peek(key);
    if (!state) {
      state = { limit: this.#settings.initial, inFlight: 0, successes: 0, lastDecreaseAt: null };
      this.#states.set(key, state);
    }
    return state;
  }
}

export interface DestinationSlot {
  /** Call once, with how the delivery went. */
  release(outcome: SlotOutcome): void;
}

/** Thrown to a waiter whose signal aborted before a slot came free. */
export class SlotWaitAborted extends Error {
  constructor(key: string) {
    super(`stopped waiting for a delivery slot to ${key}`);
    this.name = 'SlotWaitAborted';
  }
}

interface Waiter {
  resolve(slot: DestinationSlot): void;
  reject(error: Error): void;
}

/** AimdLimits with a first-come, first-served line per destination. */
export class DestinationLimiter {
  readonly limits: AimdLimits;
  readonly #waiters = new Map<string, Waiter[]>();

  constructor(options: { clock: Clock; settings?: Partial<LimiterSettings> }) {
    this.limits = new AimdLimits(options.clock, options.settings);
  }

  limit(key: string): number {
    return this.limits.limit(key);
  }

  inFlight(key: string): number {
    return this.limits.inFlight(key);
  }

  throttled(key: string): boolean {
    return this.limits.throttled(key);
  }

  /** How many are waiting in line for a slot to `key`. */
  waiting(key: string): number {
    return this.#waiters.get(key)?.length ?? 0;
  }

  /** A slot to `key`, at once when one is free, else when one comes free (in arrival order). */
  acquire(key: string, signal?: AbortSignal): Promise<DestinationSlot> {
    if (signal?.aborted) return Promise.reject(new SlotWaitAborted(key));
    if (this.waiting(key) === 0 && this.limits.tryAcquire(key)) return Promise.resolve(this.#slot(key));
    return new Promise<DestinationSlot>((resolve, reject) => {
      const line = this.#waiters.get(key) ?? [];
      const onAbort = () => {
        const index = line.indexOf(waiter);
        if (index !== -1) line.splice(index, 1);
        if (line.length === 0) this.#waiters.delete(key);
        reject(new SlotWaitAborted(key));
      };
      const waiter: Waiter = {
        resolve: (slot) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(slot);
        },
        reject,
      };
      line.push(waiter);
      this.#waiters.set(key, line);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #slot(key: string): DestinationSlot {
    let released = false;
    return {
      release: (outcome) => {
        if (released) return;
        released = true;
        this.limits.release(key, outcome);
        this.#admit(key);
      },
    };
  }

  /** Hands free slots to the waiters of `key`, oldest first. */
  #admit(key: string): void {
    const line = this.#waiters.get(key);
    while (line && line.length > 0 && this.limits.tryAcquire(key)) {
      line.shift()?.resolve(this.#slot(key));
    }
    if (line?.length === 0) this.#waiters.delete(key);
  }
}
