import { isIPv6 } from 'node:net';
import type { Clock } from '../core/ports.ts';

// SMTP AUTH failures counted in memory per client address, an IPv6 /64 counting as one. The edge
// has no database (ARCHITECTURE principle 1), so each edge task counts its own; a guesser spread
// over tasks gets at most `maxFailures` tries per window from each.
//
// Not per username: the username is ignored, as in Postal (the password is the credential key,
// found by its hash), so a guesser can vary it freely and counting it protects nothing, while it
// would let anyone lock every client out of a well-known username, such as the `org/server`
// that the setup help suggests.

export interface AuthThrottleOptions {
  clock: Clock;
  /** Failures inside the window after which AUTH is refused; 5 by default. */
  maxFailures?: number;
  /** 15 minutes by default. */
  windowMs?: number;
  /** Keys remembered at most, the oldest forgotten first, so a flood cannot exhaust memory; 50,000. */
  maxKeys?: number;
}

const defaults = { maxFailures: 5, windowMs: 15 * 60 * 1000, maxKeys: 50_000 };

export class AuthThrottle {
  readonly #clock: Clock;
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  /** Failure times per key, oldest first, at most maxFailures of them. */
  readonly #failures = new Map<string, number[]>();

  constructor(options: AuthThrottleOptions) {
    const { clock } = options;
    const maxFailures = options.maxFailures ?? defaults.maxFailures;
    const windowMs = options.windowMs ?? defaults.windowMs;
    const maxKeys = options.maxKeys ?? defaults.maxKeys;
    for (const [name, value] of Object.entries({ maxFailures, windowMs, maxKeys })) {
      if (!Number.isInteger(value) || value <= 0) {
        throw new RangeError(`AuthThrottle: ${name} must be a positive integer, got ${value}`);
      }
    }
    this.#clock = clock;
    this.#maxFailures = maxFailures;
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  /** The key an AUTH attempt from `clientIp` is counted under. */
  static key(clientIp: string): string {
    return `ip:${addressKey(clientIp)}`;
  }

  isBlocked(key: string): boolean {
    return this.#recent(key).length >= this.#maxFailures;
  }

  recordFailure(key: string): void {
    const times = [...this.#recent(key), this.#clock.now()].slice(-this.#maxFailures);
    // Delete first so the key moves to the end of the insertion order (most recent).
    this.#failures.delete(key);
    this.#failures.set(key, times);
    while (this.#failures.size > this.#maxKeys) {
      const oldest = this.#failures.keys().next();
      if (oldest.done) break;
      this.#failures.delete(oldest.value);
    }
  }

  #recent(key: string): number[] {
    const times = this.#failures.get(key);
    if (!times) return [];
    const since = this.#clock.now() - this.#windowMs;
    const recent = times.filter((time) => time > since);
    if (recent.length === 0) this.#failures.delete(key);
    else if (recent.length !== times.length) this.#failures.set(key, recent);
    return recent;
  }
}

/** An IPv6 client controls a whole /64, so it is counted as one. */
function addressKey(ip: string): string {
  const plain = ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (!isIPv6(plain)) return plain;
  return `${expandIPv6(plain).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(ip: string): string[] {
  const [head = '', tail] = ip.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((group) =>
    group.replace(/^0+(?=.)/, ''),
  );
}
