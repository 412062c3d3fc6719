import { z } from 'zod';

// What the "process" queue carries: which message to take through the process stage, and for
// which delivery attempt. Retries are new jobs with the next attempt (ARCHITECTURE principle 6).

export const ProcessJob = z.object({
  version: z.literal(1),
  messageId: z.number().int().positive(),
  /** The delivery attempt this processing leads to; 1 for a new message. */
  attempt: z.number().int().positive(),
  /**
   * The attempt this run of attempts began with: 1, or the attempt a person's release or resend
   * started. As Postal counts attempts per queued message, the limit and the retry schedule count
   * from here.
   */
  firstAttempt: z.number().int().positive().default(1),
  /** Released by a person: skips the holds Postal skips for manual sends. */
  manual: z.boolean(),
  /**
   * For a manual job, what the person acted on: a held message (a release, void once the hold is
   * cancelled or released otherwise) or a settled one (sending it again).
   */
  intent: z.enum(['release', 'resend']).optional(),
  /** Not before this time (epoch ms): a retry waiting out its delay. */
  notBefore: z.number(),
});
export type ProcessJob = z.infer<typeof ProcessJob>;

export const PROCESS_QUEUE = 'process';

/** SQS delays a message at most 15 minutes; longer waits are visibility changes on receipt. */
export const MAX_QUEUE_DELAY_SECONDS = 900;

export function processJob(
  messageId: number,
  attempt: number,
  options: {
    manual?: boolean;
    intent?: 'release' | 'resend';
    notBefore?: number;
    firstAttempt?: number;
  } = {},
) {
  return ProcessJob.parse({
    version: 1,
    messageId,
    attempt,
    firstAttempt: options.firstAttempt ?? 1,
    manual: options.manual ?? false,
    ...(options.intent ? { intent: options.intent } : {}),
    notBefore: options.notBefore ?? 0,
  });
}
