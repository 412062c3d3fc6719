import { isIP } from 'node:net';
import { z } from 'zod';

// What the process stage hands the delivery worker (at the edge, which has no database): the
// prepared message (signed, headers added) is in the blob store; this says where it goes.

export const SmtpRelay = z.object({
  host: z.string(),
  port: z.number().int().min(1).max(65535),
  tls: z.enum(['opportunistic', 'required', 'implicit', 'none']),
  auth: z.object({ user: z.string(), pass: z.string() }).nullable(),
});
export type SmtpRelay = z.infer<typeof SmtpRelay>;

export const DeliveryJob = z.object({
  version: z.literal(1),
  messageId: z.number().int().positive(),
  serverId: z.number().int(),
  /** 1 for the first attempt; a retry is a new job with the next number. */
  attempt: z.number().int().positive(),
  /** Where this run of attempts began (ProcessJob.firstAttempt). */
  firstAttempt: z.number().int().positive().default(1),
  /** Envelope sender: the return path, or '' for a bounce. */
  mailFrom: z.string(),
  rcptTo: z.string(),
  /** Blob key of the prepared message. */
  preparedKey: z.string(),
  /** MX lookup of this domain, unless `relay` is set. */
  domain: z.string(),
  /** A smarthost or an SMTP endpoint to use instead of MX lookup. */
  relay: SmtpRelay.nullable(),
  /**
   * Source addresses and HELO name from the IP pool: each target is reached from the address of
   * its family, and a family without one is skipped; with neither, the system chooses.
   */
  source: z.preprocess(
    legacySource,
    z.object({ ipv4: z.string().nullable(), ipv6: z.string().nullable(), hostname: z.string() }),
  ),
  /** Whether the message needs SMTPUTF8 (non-ASCII addresses or headers). */
  needsSmtputf8: z.boolean(),
  queuedAt: z.number(),
});
export type DeliveryJob = z.infer<typeof DeliveryJob>;

/** A job queued before sources had both halves named its one address `address`. */
function legacySource(source: unknown): unknown {
  if (typeof source !== 'object' || source === null || !('address' in source)) return source;
  const { address, ...rest } = source as { address: unknown };
  const ip = typeof address === 'string' ? address : null;
  return { ...rest, ipv4: ip && isIP(ip) === 4 ? ip : null, ipv6: ip && isIP(ip) === 6 ? ip : null };
}

export const deliveryQueueName = (pool: string): string => `deliver-${pool}`;
