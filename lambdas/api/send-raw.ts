import { parseHeaderBlock } from '../../core/mail/header-block.ts';
import { acceptMessage } from '../../core/messages/accept-message.ts';
import { senderHeadersOf, storedMessageId } from '../../core/messages/raw-headers.ts';
import { authorizeSender } from '../../core/policy/sender-authorization.ts';
import type { ApiAction } from './api-action.ts';
import { hasControlCharacters, isBlank, isTruthy, textOf } from './api-params.ts';
import { acceptedResponse, unavailable } from './accepted-response.ts';
import { PostalApiError, PostalParameterError } from './postal-envelope.ts';

// POST /api/v1/send/raw (reference/postal.md §2.2; Postal's SendController#raw): the message is
// stored unchanged; From and Sender are checked from its header block against the snapshot.

export const sendRaw: ApiAction = async ({ params, ctx, server, credential, meta }) => {
  if (!Array.isArray(params.rcpt_to)) {
    throw new PostalParameterError('`rcpt_to` parameter is required but is missing');
  }
  const mailFrom = textOf(params.mail_from);
  if (mailFrom === null || isBlank(mailFrom)) {
    throw new PostalParameterError('`mail_from` parameter is required but is missing');
  }
  if (hasControlCharacters(mailFrom)) throw new PostalParameterError('`mail_from` parameter is invalid');
  if (typeof params.data !== 'string' || isBlank(params.data)) {
    throw new PostalParameterError('`data` parameter is required but is missing');
  }
  const raw = Buffer.from(params.data, 'base64');
  const headers = parseHeaderBlock(raw);
  const authorization = authorizeSender(server, senderHeadersOf(headers));
  if (!authorization.authorized) throw new PostalApiError('UnauthenticatedFromAddress');
  const recipients = uniqueRecipients(params.rcpt_to);
  // Postal creates nothing for an empty rcpt_to, and still answers success.
  if (recipients.length === 0) return acceptedResponse(null, null);
  const accepted = await acceptMessage(ctx, {
    raw,
    via: 'api',
    mailFrom,
    recipients: recipients.map((address) => ({
      address,
      kind: 'outgoing' as const,
      serverId: server.id,
      routeId: null,
    })),
    credential: { serverId: server.id, credentialId: credential.id },
    senderDomainId: authorization.domain.id,
    // Postal records every API message as received with SSL.
    tls: true,
    clientIp: meta.ipAddress,
    bounce: isTruthy(params.bounce),
    // Ingest reads the tag from an X-Postal-Tag header, as Postal does at dequeue.
    tag: null,
  }).catch(unavailable(ctx.logger));
  return acceptedResponse(storedMessageId(headers), accepted);
};

/** rcpt_to entries as given (`uniq`), each once whatever its case. */
function uniqueRecipients(values: readonly unknown[]): string[] {
  const seen = new Map<string, string>();
  for (const value of values) {
    const address = textOf(value)?.trim() ?? '';
    if (address === '') continue;
    if (hasControlCharacters(address)) throw new PostalParameterError('`rcpt_to` parameter is invalid');
    if (!seen.has(address.toLowerCase())) seen.set(address.toLowerCase(), address);
  }
  return [...seen.values()];
}
