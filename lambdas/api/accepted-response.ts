import type { AcceptResult } from '../../core/messages/accept-message.ts';
import type { Logger } from '../../core/ports.ts';
import { PostalApiError } from './postal-envelope.ts';

// What send/message and send/raw answer once the message is durable.

export interface SentMessages {
  message_id: string | null;
  /** By recipient address as the caller wrote it (bare), as Postal keys them. */
  messages: Record<string, { id: number; token: string }>;
}

export function acceptedResponse(messageId: string | null, accepted: AcceptResult | null): SentMessages {
  const messages: SentMessages['messages'] = {};
  for (const recipient of accepted?.envelopes.flatMap((envelope) => envelope.recipients) ?? []) {
    messages[recipient.address] = { id: recipient.messageId, token: recipient.token };
  }
  return { message_id: messageId, messages };
}

/** A failed accept step (blob store or queue down): logged, and answered so the client retries. */
export function unavailable(logger: Logger) {
  return (error: unknown): never => {
    logger.error('message could not be made durable', { error });
    throw new PostalApiError('ServiceUnavailable', {
      message: 'The message could not be stored, try again later',
    });
  };
}
