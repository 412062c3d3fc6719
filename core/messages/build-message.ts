import MailComposer from 'nodemailer/lib/mail-composer';
import type MimeNode from 'nodemailer/lib/mime-node';
import { writeMime } from '../mail/mime-writer.ts';
import { pooledRandomBytes } from '../random-pool.ts';

// The MIME message send/message stores, built as Postal's OutgoingMessagePrototype#raw_message
// builds it (reference/postal.md §2.1): the caller's custom headers first, then To, Cc, From,
// Sender, Subject and Reply-To (never Bcc), a multipart/alternative body (text, then html),
// inside multipart/mixed when there are attachments, and Message-ID `<uuid@return path domain>`.

export interface ComposeAttachment {
  name: string;
  contentType: string;
  data: Uint8Array;
}

export interface ComposeInput {
  /** As given ("Name <addr>" allowed); one To header listing them all. */
  to: readonly string[];
  cc: readonly string[];
  from: string;
  sender: string | null;
  subject: string | null;
  replyTo: string | null;
  plainBody: string | null;
  htmlBody: string | null;
  /** Custom headers in the caller's order. */
  headers: readonly (readonly [name: string, value: string])[];
  attachments: readonly ComposeAttachment[];
  /** The Received header's value, from apiReceivedHeader. */
  received: string;
  /** Without angle brackets, from apiMessageId. */
  messageId: string;
  /** Epoch ms, for the Date header when the custom headers carry none. */
  date: number;
}

/** Postal's Message-ID for mail it builds: `<uuid>@<return path domain>` (reference/postal.md §6). */
export function apiMessageId(uuid: string, returnPathDomain: string): string {
  return `${uuid}@${returnPathDomain}`;
}

export interface ApiReceivedInput {
  clientIp: string | null;
  /** The installation's host name. */
  hostname: string;
  /** The server's privacy mode: say nothing about the client. */
  privacy: boolean;
  now: number;
}

/**
 * Postal's ReceivedHeader for the API: `from api (<rdns> [<ip>]) by <host> with HTTP; <date>`.
 * There is no reverse lookup on the accept path, so the address stands in for the name, as the
 * SMTP edge writes it when it has none.
 */
export function apiReceivedHeader(input: ApiReceivedInput): string {
  const ip = input.clientIp ?? 'unknown';
  const from = input.privacy ? '' : `from api (${ip} [${ip}]) `;
  return `${from}by ${input.hostname} with HTTP; ${rfc5322Date(input.now)}`;
}

// RFC 5322 §3.6.5 field names: printable ASCII except the colon.
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/** Headers the message structure owns: a custom header of that name is dropped. */
const STRUCTURAL = new Set([
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'bcc',
  'message-id',
]);

export function buildMessage(input: ComposeInput): Buffer {
  return writeMime(composeMessage(input));
}

/** The MIME tree of a message, for writeMime; exported so tests can also write it with nodemailer's own build. */
export function composeMessage(input: ComposeInput): MimeNode {
  // Postal assigns From, Sender, Subject and Reply-To after the custom headers, replacing (or,
  // when absent, removing) a custom one; To and Cc only when there are such recipients.
  const written = new Set(['from', 'sender', 'subject', 'reply-to', ...STRUCTURAL]);
  if (input.to.length > 0) written.add('to');
  if (input.cc.length > 0) written.add('cc');
  const custom = input.headers.filter(([name]) => FIELD_NAME.test(name) && !written.has(name.toLowerCase()));
  const hasDate = custom.some(([name]) => name.toLowerCase() === 'date');
  const headers: { key: string; value: string }[] = [
    // A trace header goes on top (RFC 5321 §4.4), as the mail gem Postal uses orders it.
    { key: 'Received', value: input.received },
    ...custom.map(([key, value]) => ({ key, value })),
    ...optional('To', input.to.join(', ')),
    ...optional('Cc', input.cc.join(', ')),
    ...optional('From', input.from),
    ...optional('Sender', input.sender),
    ...optional('Subject', input.subject),
    ...optional('Reply-To', input.replyTo),
    { key: 'Message-ID', value: `<${input.messageId}>` },
    ...(hasDate ? [] : [{ key: 'Date', value: rfc5322Date(input.date) }]),
  ];
  const composer = new MailComposer({
    headers,
    ...(input.plainBody
      ? { text: { content: input.plainBody, contentType: 'text/plain; charset=utf-8' } }
      : {}),
    ...(input.htmlBody ? { html: { content: input.htmlBody, contentType: 'text/html; charset=utf-8' } } : {}),
    attachments: input.attachments.map((attachment) => ({
      filename: attachment.name,
      contentType: attachment.contentType,
      content: Buffer.from(attachment.data.buffer, attachment.data.byteOffset, attachment.data.byteLength),
    })),
    newline: 'win',
    // What each MIME node would otherwise draw from OpenSSL itself, once per message: a call that
    // cost more than composing the whole tree.
    baseBoundary: pooledRandomBytes(8).toString('hex'),
    // Content never comes from a path or URL here; refuse it outright should a caller slip one in.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile();
}

function optional(key: string, value: string | null): { key: string; value: string }[] {
  return value ? [{ key, value }] : [];
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time in UTC, e.g. `Wed, 25 Nov 2026 12:00:00 +0000`. */
function rfc5322Date(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (value: number): string => String(value).padStart(2, '0');
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${time} +0000`;
}
