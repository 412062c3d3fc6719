import type { Clock, Logger } from '../../core/ports.ts';

// The local stand-in for the blob bucket's lifecycle rules: blobs under a prefix are deleted
// once they are older than their rule allows, swept soon after start and then every hour.

export interface BlobExpiryRule {
  prefix: string;
  afterDays: number;
}

export interface BlobExpiryOptions {
  blobs: { expire(prefix: string, before: number): Promise<number> };
  rules: readonly BlobExpiryRule[];
  clock: Clock;
  logger: Logger;
  /** Between sweeps; an hour by default. */
  intervalMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function startBlobExpiry(options: BlobExpiryOptions): { stop(): Promise<void> } {
  const { blobs, rules, clock, logger } = options;
  let sweeping: Promise<void> | null = null;
  const sweep = () => {
    // A sweep still going when the next is due is not doubled up.
    sweeping ??= (async () => {
      for (const rule of rules) {
        try {
          const removed = await blobs.expire(rule.prefix, clock.now() - rule.afterDays * DAY_MS);
          if (removed > 0) logger.info('expired blobs', { prefix: rule.prefix, removed });
        } catch (error) {
          logger.error('blob expiry failed', { prefix: rule.prefix, error: String(error) });
        }
      }
    })().finally(() => (sweeping = null));
  };
  const first = setTimeout(sweep, Math.min(60_000, options.intervalMs ?? 60_000));
  const interval = setInterval(sweep, options.intervalMs ?? 60 * 60 * 1000);
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(interval);
      await sweeping;
    },
  };
}
