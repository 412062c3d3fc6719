import { z } from 'zod';
import type { BlobStore, Clock, Ids, Logger, Queue } from '../ports.ts';
import {
  AcceptedMessage,
  INGEST_QUEUE,
  RecipientKind,
  rawMessageKey,
  type AcceptedRecipient,
} from './accepted-message.ts';

// The accept step shared by the SMTP edge and the send API (ARCHITECTURE principles 1 and 2):
// ids leased, the raw message written once beside one pointer per recipient (so the API can
// answer for it before ingest has written a row), then one envelope per server on the ingest queue. When
// this resolves the message is durable; the caller may answer 250 or `success`. Nothing here
// reads the database except through ids.messageId(), which leases ids a block at a time.

export interface AcceptDeps {
  blobs: BlobStore;
  queue: Queue;
  ids: Ids;
  clock: Clock;
  logger: Logger;
}

export interface RecipientToAccept {
  address: string;
  kind: RecipientKind;
  serverId: number;
  routeId: number | null;
}

export interface AcceptMessageInput {
  /** The message exactly as it is to be stored. */
  raw: Uint8Array;
  via: AcceptedMessage['via'];
  /** The envelope sender; '' for a null MAIL FROM. */
  mailFrom: string;
  recipients: readonly RecipientToAccept[];
  /** The credential that authenticated the submission; only its own server's envelope carries it. */
  credential: { serverId: number; credentialId: number } | null;
  /** The domain that authorized the sender for the credential's server (sender-authorization.ts). */
  senderDomainId: number | null;
  tls: boolean;
  clientIp: string | null;
  /** To be sent with a null MAIL FROM. */
  bounce: boolean;
  tag: string | null;
}

export interface AcceptResult {
  /** One per server, in the order of each server's first recipient. */
  envelopes: AcceptedMessage[];
  /** Every leased id, in recipient order within each envelope. */
  messageIds: number[];
}

/**
 * What `messages/message` answers from until ingest has written the row: one small blob per
 * accepted recipient, written before the envelope is queued. Ingest deletes it once the row exists.
 */
export const AcceptedPointer = z.object({
  version: z.literal(1),
  messageId: z.number().int().positive(),
  serverId: z.number().int(),
  token: z.string(),
  address: z.string(),
  kind: RecipientKind,
  routeId: z.number().nullable(),
  via: AcceptedMessage.shape.via,
  credentialId: z.number().int().nullable(),
  // The two below, with the rest, make the pointers of a message its envelope again
  // (accepted-recovery.ts); pointers written before them have neither.
  senderDomainId: z.number().int().nullable().default(null),
  clientIp: z.string().nullable().default(null),
  mailFrom: z.string(),
  rawKey: z.string(),
  size: z.number().int().nonnegative(),
  acceptedAt: z.number(),
  tls: z.boolean(),
  bounce: z.boolean(),
  tag: z.string().nullable(),
});
export type AcceptedPointer = z.infer<typeof AcceptedPointer>;

/** Where the pointers are kept, one blob each. */
export const ACCEPTED_POINTER_PREFIX = 'accepted/';

/** The blob key of a recipient's pointer; ingest deletes it once the message row exists. */
export function acceptedPointerKey(messageId: number): string {
  return `${ACCEPTED_POINTER_PREFIX}${messageId}.json`;
}

/** The message id a pointer's key names, or null for a key that is not a pointer's. */
export function messageIdOfPointerKey(key: string): number | null {
  if (!key.startsWith(ACCEPTED_POINTER_PREFIX)) return null;
  const match = /^([1-9]\d*)\.json$/.exec(key.slice(ACCEPTED_POINTER_PREFIX.length));
  const id = match ? Number(match[1]) : null;
  return id !== null && Number.isSafeInteger(id) ? id : null;
}

/**
 * Makes a message durable: ids, raw blob, pointers, envelopes. Rejects (with nothing queued)
 * when any step fails; the caller answers a temporary failure and the client retries.
 */
export async function acceptMessage(deps: AcceptDeps, input: AcceptMessageInput): Promise<AcceptResult> {
  const { blobs, queue, ids, clock, logger } = deps;
  if (input.recipients.length === 0) throw new RangeError('a message needs at least one recipient');
  const acceptedAt = clock.now();
  // Ids first: a failed lease must not leave a blob behind for nothing.
  const leased = await leaseIds(ids, input.recipients);
  const rawKey = rawMessageKey(acceptedAt, ids.uuid());
  const envelopes = [...leased].map(([serverId, recipients]) =>
    AcceptedMessage.parse({
      version: 1,
      serverId,
      via: input.via,
      credentialId: input.credential?.serverId === serverId ? input.credential.credentialId : null,
      senderDomainId: input.credential?.serverId === serverId ? input.senderDomainId : null,
      mailFrom: input.mailFrom,
      recipients,
      rawKey,
      size: input.raw.byteLength,
      acceptedAt,
      tls: input.tls,
      clientIp: input.clientIp,
      bounce: input.bounce,
      tag: input.tag,
    } satisfies AcceptedMessage),
  );
  const pointers = envelopes.flatMap((envelope) => envelope.recipients.map((r) => pointerOf(envelope, r)));
  const put = async (key: string, body: Uint8Array | string, contentType: string) => {
    const written = await blobs.put(key, body, { contentType });
    if (!written) throw new Error(`blob store refused an unconditional put of ${key}`);
  };
  try {
    // The raw message and the pointers at once: each waits for its own sync, and the accept for
    // the slowest rather than for their sum. All settle before anything is undone, so no pointer
    // can land after the clean-up below.
    const writes = await Promise.allSettled([
      put(rawKey, input.raw, 'message/rfc822'),
      ...pointers.map((pointer) =>
        put(acceptedPointerKey(pointer.messageId), JSON.stringify(pointer), 'application/json'),
      ),
    ]);
    const failed = writes.find((write) => write.status === 'rejected');
    if (failed) throw failed.reason;
    // Only now the envelopes: one on the queue with its blob missing would lose the message (the
    // reverse, a raw blob with no envelope when this fails, is only garbage, which retention never
    // finds, as no message row names it). One batch, so a transaction for several servers is
    // queued in one call or not at all, as far as the adapter can make it so. The pointers,
    // durable now, are the envelopes' record too: should a crash of the machine take a send from
    // a queue that had not synced it yet, they give it back (accepted-recovery.ts), so the send
    // need not wait for a sync of its own.
    await queue.sendBatch(
      INGEST_QUEUE,
      envelopes.map((envelope) => JSON.stringify(envelope)),
      { recoveredBySender: true },
    );
  } catch (error) {
    // The client hears a failure and never learns these ids; a pointer left behind would answer
    // Pending for a message that will never exist.
    await Promise.allSettled(pointers.map((pointer) => blobs.delete(acceptedPointerKey(pointer.messageId))));
    throw error;
  }
  const messageIds = envelopes.flatMap((envelope) => envelope.recipients.map((r) => r.messageId));
  logger.info('message accepted', {
    messageIds,
    rawKey,
    size: input.raw.byteLength,
    servers: envelopes.length,
    via: input.via,
  });
  return { envelopes, messageIds };
}

/** Groups recipients by server, then leases ids in that order, so each envelope's ids ascend. */
async function leaseIds(
  ids: Ids,
  recipients: readonly RecipientToAccept[],
): Promise<Map<number, AcceptedRecipient[]>> {
  const servers = new Map<number, RecipientToAccept[]>();
  for (const recipient of recipients) {
    const list = servers.get(recipient.serverId) ?? [];
    list.push(recipient);
    servers.set(recipient.serverId, list);
  }
  const leased = new Map<number, AcceptedRecipient[]>();
  for (const [serverId, list] of servers) {
    const withIds: AcceptedRecipient[] = [];
    for (const recipient of list) {
      withIds.push({
        messageId: await ids.messageId(),
        token: ids.token(16),
        address: recipient.address,
        kind: recipient.kind,
        routeId: recipient.routeId,
      });
    }
    leased.set(serverId, withIds);
  }
  return leased;
}

function pointerOf(envelope: AcceptedMessage, recipient: AcceptedRecipient): AcceptedPointer {
  return {
    version: 1,
    messageId: recipient.messageId,
    serverId: envelope.serverId,
    token: recipient.token,
    address: recipient.address,
    kind: recipient.kind,
    routeId: recipient.routeId,
    via: envelope.via,
    credentialId: envelope.credentialId,
    senderDomainId: envelope.senderDomainId,
    clientIp: envelope.clientIp,
    mailFrom: envelope.mailFrom,
    rawKey: envelope.rawKey,
    size: envelope.size,
    acceptedAt: envelope.acceptedAt,
    tls: envelope.tls,
    bounce: envelope.bounce,
    tag: envelope.tag,
  };
}
