import { acceptMessage } from '../../core/messages/accept-message.ts';
import {
  apiMessageId,
  apiReceivedHeader,
  buildMessage,
  type ComposeAttachment,
} from '../../core/messages/build-message.ts';
import type { SnapshotServer } from '../../core/policy/policy-snapshot.ts';
import { authorizeSender } from '../../core/policy/sender-authorization.ts';
import type { ApiAction } from './api-action.ts';
import { hasControlCharacters, isBlank, isTruthy, textOf, type ApiParams } from './api-params.ts';
import { acceptedResponse, unavailable } from './accepted-response.ts';
import { PostalApiError, PostalParameterError, type PostalErrorCode } from './postal-envelope.ts';

// POST /api/v1/send/message (reference/postal.md §2.1; Postal's SendController#message and
// OutgoingMessagePrototype): checks in Postal's order, the sender rule from the snapshot, the
// MIME message built here, one message id per unique recipient.

const MAX_ADDRESSES = 50;

const MESSAGES = {
  NoRecipients: 'There are no recipients defined to receive this message',
  NoContent: 'There is no content defined for this e-mail',
  TooManyToAddresses: 'The maximum number of To addresses has been reached (maximum 50)',
  TooManyCCAddresses: 'The maximum number of CC addresses has been reached (maximum 50)',
  TooManyBCCAddresses: 'The maximum number of BCC addresses has been reached (maximum 50)',
  FromAddressMissing: 'The From address is missing and is required',
  UnauthenticatedFromAddress: 'The From address is not authorised to send mail from this server',
  AttachmentMissingName: 'An attachment is missing a name',
  AttachmentMissingData: 'An attachment is missing data',
} as const satisfies Partial<Record<PostalErrorCode, string>>;

export interface SendMessageRequest {
  to: string[];
  cc: string[];
  bcc: string[];
  from: string;
  sender: string | null;
  subject: string | null;
  replyTo: string | null;
  plainBody: string | null;
  htmlBody: string | null;
  bounce: boolean;
  tag: string | null;
  headers: [string, string][];
  attachments: ComposeAttachment[];
  /** Bare addresses across to, cc and bcc, first spelling kept, each once whatever its case. */
  recipients: string[];
  /** The verified domain that authorized From or Sender. */
  senderDomainId: number;
}

export const sendMessage: ApiAction = async ({ params, ctx, server, credential, meta }) => {
  const request = readSendMessage(params, server);
  const now = ctx.clock.now();
  const messageId = apiMessageId(ctx.ids.uuid(), ctx.installation.returnPathDomain);
  const raw = buildMessage({
    ...request,
    received: apiReceivedHeader({
      clientIp: meta.ipAddress,
      hostname: ctx.installation.hostname,
      privacy: server.privacyMode,
      now,
    }),
    messageId,
    date: now,
  });
  const accepted = await acceptMessage(ctx, {
    raw,
    via: 'api',
    mailFrom: bareAddress(request.from),
    recipients: request.recipients.map((address) => ({
      address,
      kind: 'outgoing' as const,
      serverId: server.id,
      routeId: null,
    })),
    credential: { serverId: server.id, credentialId: credential.id },
    senderDomainId: request.senderDomainId,
    // Postal records every API message as received with SSL.
    tls: true,
    clientIp: meta.ipAddress,
    bounce: request.bounce,
    tag: request.tag,
  }).catch(unavailable(ctx.logger));
  return acceptedResponse(messageId, accepted);
};

/** The parameters, or the first of Postal's errors in Postal's order. */
export function readSendMessage(params: ApiParams, server: SnapshotServer): SendMessageRequest {
  const to = addressList(params.to);
  const cc = addressList(params.cc);
  const bcc = addressList(params.bcc);
  const from = textOf(params.from);
  const sender = textOf(params.sender);
  const plainBody = textOf(params.plain_body);
  const htmlBody = textOf(params.html_body);
  const attachments = attachmentList(params.attachments);
  const fail = (code: keyof typeof MESSAGES): never => {
    throw new PostalApiError(code, { message: MESSAGES[code] });
  };
  if (to.length === 0 && cc.length === 0 && bcc.length === 0) fail('NoRecipients');
  if (to.length > MAX_ADDRESSES) fail('TooManyToAddresses');
  if (cc.length > MAX_ADDRESSES) fail('TooManyCCAddresses');
  if (bcc.length > MAX_ADDRESSES) fail('TooManyBCCAddresses');
  if (isBlank(plainBody) && isBlank(htmlBody)) fail('NoContent');
  if (from === null || isBlank(from)) return fail('FromAddressMissing');
  const authorization = authorizeSender(server, {
    from: [bareAddress(from)],
    sender: sender === null || isBlank(sender) ? [] : [bareAddress(sender)],
  });
  if (!authorization.authorized) return fail('UnauthenticatedFromAddress');
  for (const attachment of attachments) {
    if (isBlank(attachment.name)) fail('AttachmentMissingName');
    if (attachment.data.byteLength === 0) fail('AttachmentMissingData');
  }
  return {
    to,
    cc,
    bcc,
    from,
    sender: isBlank(sender) ? null : sender,
    subject: textOf(params.subject),
    replyTo: textOf(params.reply_to),
    plainBody: isBlank(plainBody) ? null : plainBody,
    htmlBody: isBlank(htmlBody) ? null : htmlBody,
    bounce: isTruthy(params.bounce),
    tag: isBlank(params.tag) ? null : textOf(params.tag),
    headers: headerList(params.headers),
    attachments,
    recipients: uniqueRecipients([...to, ...cc, ...bcc]),
    senderDomainId: authorization.domain.id,
  };
}

/** An array, or a comma-separated string (OutgoingMessagePrototype#to_addresses). */
function addressList(value: unknown): string[] {
  if (typeof value === 'string') {
    const parts = value.split(/,\s*/);
    // Ruby's split drops trailing empty fields.
    while (parts.length > 0 && parts.at(-1) === '') parts.pop();
    return parts;
  }
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

/** Postal::Helpers.strip_name_from_address: `Name <addr>` → `addr`. */
function bareAddress(address: string): string {
  return address.replace(/^.*</s, '').replace(/>.*$/s, '').trim();
}

function uniqueRecipients(addresses: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const address of addresses.map(bareAddress)) {
    if (address === '') continue;
    if (hasControlCharacters(address))
      throw new PostalParameterError(`Invalid recipient address: ${JSON.stringify(address)}`);
    const key = address.toLowerCase();
    if (!seen.has(key)) seen.set(key, address);
  }
  return [...seen.values()];
}

/** Entries that are not objects are ignored, as Postal does; data is base64. */
function attachmentList(value: unknown): ComposeAttachment[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(
      (item): item is Record<string, unknown> =>
        typeof item === 'object' && item !== null && !Array.isArray(item),
    )
    .map((item) => {
      const data = textOf(item.data);
      const contentType = textOf(item.content_type);
      return {
        name: textOf(item.name) ?? '',
        contentType: contentType === null || isBlank(contentType) ? 'application/octet-stream' : contentType,
        data: data === null ? new Uint8Array() : Buffer.from(data, 'base64'),
      };
    });
}

/** `headers` (not custom_headers): an object of scalar values, in the caller's order. */
function headerList(value: unknown): [string, string][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([name, raw]): [string, string][] => {
    const text = textOf(raw);
    return text === null ? [] : [[name, text]];
  });
}
