import { AcceptedMessage, INGEST_QUEUE, rawMessageKey } from '../core/messages/accepted-message.ts';
import type { BlobStore, Clock, Ids, Logger, Queue } from '../core/ports.ts';
import { REPLIES, type RecipientDecision, type SessionAuth, type SmtpReply } from './session-policy.ts';

// Makes an accepted SMTP transaction durable before the client hears 250 (ARCHITECTURE
// principle 2): ids leased, the raw message written once, then one envelope per server on the
// ingest queue. Ingest writes the rows later, keyed by the ids leased here.

export interface MessageAcceptorOptions {
  blobs: BlobStore;
  queue: Queue;
  ids: Ids;
  clock: Clock;
  logger: Logger;
}

export interface AcceptInput {
  /** The stored message: the edge's Received header, then the data as the client sent it. */
  raw: Uint8Array;
  mailFrom: string;
  recipients: readonly RecipientDecision[];
  auth: SessionAuth | null;
  tls: boolean;
  clientIp: string | null;
  /** For log correlation. */
  sessionId?: string;
}

export type AcceptResult = { ok: true; messageIds: number[] } | { ok: false; reply: SmtpReply };

export type MessageAcceptor = (input: AcceptInput) => Promise<AcceptResult>;

export function createMessageAcceptor(options: MessageAcceptorOptions): MessageAcceptor {
  const { blobs, queue, ids, clock } = options;
  const logger = options.logger.child({ component: 'message-acceptor' });

  return async function accept(input) {
    const log = input.sessionId ? logger.child({ sessionId: input.sessionId }) : logger;
    try {
      const acceptedAt = clock.now();
      const servers = groupByServer(input.recipients);
      // Ids first: a failed lease must not leave a blob behind for nothing.
      const leased = [];
      for (const [serverId, recipients] of servers) {
        const withIds = [];
        for (const recipient of recipients) {
          withIds.push({
            messageId: await ids.messageId(),
            token: ids.token(16),
            address: recipient.address,
            kind: recipient.kind,
            routeId: recipient.routeId,
          });
        }
        leased.push({ serverId, recipients: withIds });
      }
      const rawKey = rawMessageKey(acceptedAt, ids.uuid());
      // An envelope on the queue with its blob missing would lose the message; the reverse
      // (a blob with no envelope, when the send below fails) is only garbage for retention.
      const stored = await blobs.put(rawKey, input.raw, { contentType: 'message/rfc822' });
      if (!stored) throw new Error(`blob store refused an unconditional put of ${rawKey}`);
      const envelopes = leased.map(({ serverId, recipients }) =>
        AcceptedMessage.parse({
          version: 1,
          serverId,
          via: 'smtp',
          credentialId: input.auth?.serverId === serverId ? input.auth.credentialId : null,
          mailFrom: input.mailFrom,
          recipients,
          rawKey,
          size: input.raw.byteLength,
          acceptedAt,
          tls: input.tls,
          clientIp: input.clientIp,
          bounce: input.mailFrom === '',
          tag: null,
        } satisfies AcceptedMessage),
      );
      // One batch, so a transaction for several servers is queued in one call or not at all
      // as far as the adapter can make it so.
      await queue.sendBatch(
        INGEST_QUEUE,
        envelopes.map((envelope) => JSON.stringify(envelope)),
      );
      const messageIds = envelopes.flatMap((envelope) => envelope.recipients.map((r) => r.messageId));
      log.info('message accepted', { messageIds, rawKey, size: input.raw.byteLength, servers: servers.size });
      return { ok: true, messageIds };
    } catch (error) {
      log.error('message could not be made durable; answering 451', { error });
      return { ok: false, reply: REPLIES.acceptFailed };
    }
  };
}

function groupByServer(recipients: readonly RecipientDecision[]): Map<number, RecipientDecision[]> {
  const servers = new Map<number, RecipientDecision[]>();
  for (const recipient of recipients) {
    const list = servers.get(recipient.serverId) ?? [];
    list.push(recipient);
    servers.set(recipient.serverId, list);
  }
  return servers;
}
