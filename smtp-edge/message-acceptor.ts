import { acceptMessage } from '../core/messages/accept-message.ts';
import type { BlobStore, Clock, Ids, Logger, Queue } from '../core/ports.ts';
import { REPLIES, type RecipientDecision, type SessionAuth, type SmtpReply } from './session-policy.ts';

// The edge's side of the shared accept step (core/messages/accept-message.ts): an accepted SMTP
// transaction is made durable before the client hears 250 (ARCHITECTURE principle 2), and any
// failure to do so becomes a 451, so the client retries.

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
  /** The domain that authorized the sender for the authenticated server (decideData). */
  senderDomainId: number | null;
  tls: boolean;
  clientIp: string | null;
  /** For log correlation. */
  sessionId?: string;
}

export type AcceptResult = { ok: true; messageIds: number[] } | { ok: false; reply: SmtpReply };

export type MessageAcceptor = (input: AcceptInput) => Promise<AcceptResult>;

export function createMessageAcceptor(options: MessageAcceptorOptions): MessageAcceptor {
  const logger = options.logger.child({ component: 'message-acceptor' });

  return async function accept(input) {
    const log = input.sessionId ? logger.child({ sessionId: input.sessionId }) : logger;
    try {
      const { messageIds } = await acceptMessage(
        { ...options, logger: log },
        {
          raw: input.raw,
          via: 'smtp',
          mailFrom: input.mailFrom,
          recipients: input.recipients,
          credential: input.auth,
          senderDomainId: input.senderDomainId,
          tls: input.tls,
          clientIp: input.clientIp,
          // A null reverse path is a bounce (RFC 5321 §4.5.5).
          bounce: input.mailFrom === '',
          tag: null,
        },
      );
      return { ok: true, messageIds };
    } catch (error) {
      log.error('message could not be made durable; answering 451', { error });
      return { ok: false, reply: REPLIES.acceptFailed };
    }
  };
}
