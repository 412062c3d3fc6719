import { z } from 'zod';

// What the delivery worker reports for one attempt, on the "results" queue. A value from a closed
// set with a human reason, as Postal's SendResult (STYLE habit 4).

export const DeliveryOutcome = z.enum(['Sent', 'SoftFail', 'HardFail']);
export type DeliveryOutcome = z.infer<typeof DeliveryOutcome>;

export const DeliveryResult = z.object({
  version: z.literal(1),
  messageId: z.number().int().positive(),
  serverId: z.number().int(),
  attempt: z.number().int().positive(),
  /** Where this run of attempts began (ProcessJob.firstAttempt). */
  firstAttempt: z.number().int().positive().default(1),
  status: DeliveryOutcome,
  /** For people: "Message for x accepted by 1.2.3.4:25 (mx.example.com)". */
  details: z.string(),
  /** The remote's last reply, as it said it. */
  output: z.string(),
  /** TLS was used for the transaction. */
  secure: z.boolean(),
  /** How long to wait before the next attempt, read from the remote's reply ("try again in N minutes" → N minutes + 10 s). */
  retryAfterSeconds: z.number().nullable(),
  /** The remote host that answered, if any. */
  remoteHost: z.string().nullable(),
  durationMs: z.number().int().nonnegative(),
  /** Identifies the SMTP session in the edge's logs. */
  logId: z.string(),
  finishedAt: z.number(),
});
export type DeliveryResult = z.infer<typeof DeliveryResult>;

export const RESULTS_QUEUE = 'results';
