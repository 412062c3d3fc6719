import { z } from 'zod';

// What an accepting process (the SMTP edge, the send API) puts on the "ingest" queue once the raw
// message is durable in the blob store. Ids are leased at acceptance, so ingest can write rows
// idempotently keyed by message id, and clients get ids before any row exists.

export const RecipientKind = z.enum(['outgoing', 'incoming', 'bounce']);
export type RecipientKind = z.infer<typeof RecipientKind>;

export const AcceptedRecipient = z.object({
  messageId: z.number().int().positive(),
  /** 16 random alphanumerics, as Postal's message token. */
  token: z.string(),
  address: z.string(),
  kind: RecipientKind,
  /** The route an incoming recipient matched. */
  routeId: z.number().nullable(),
});
export type AcceptedRecipient = z.infer<typeof AcceptedRecipient>;

export const AcceptedMessage = z.object({
  version: z.literal(1),
  serverId: z.number().int(),
  via: z.enum(['smtp', 'api']),
  credentialId: z.number().int().nullable(),
  /**
   * The verified domain that authorized From (or Sender) for the credential: Postal's
   * authenticated domain, whose key signs the mail and whose return path it uses. Envelopes
   * queued before it existed have none: their mail is signed with the installation's key.
   */
  senderDomainId: z.number().int().nullable().default(null),
  mailFrom: z.string(),
  recipients: z.array(AcceptedRecipient).min(1),
  /** Blob store key of the raw message, shared by every recipient. */
  rawKey: z.string(),
  size: z.number().int().nonnegative(),
  acceptedAt: z.number(),
  tls: z.boolean(),
  clientIp: z.string().nullable(),
  /** Sent with a null MAIL FROM (the API's `bounce` flag). */
  bounce: z.boolean(),
  tag: z.string().nullable(),
});
export type AcceptedMessage = z.infer<typeof AcceptedMessage>;

export const INGEST_QUEUE = 'ingest';

/** Raw messages are stored by day, so retention can drop whole days. */
export function rawMessageKey(acceptedAt: number, id: string): string {
  return `${rawMessageDay(acceptedAt)}${id}.eml`;
}

/**
 * What the keys of the raw messages accepted on the (UTC) day of `at` begin with: every key of an
 * earlier day sorts before it, every key of that day or a later one after it.
 */
export function rawMessageDay(at: number): string {
  return `raw/${new Date(at).toISOString().slice(0, 10).replaceAll('-', '/')}/`;
}
