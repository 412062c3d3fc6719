import { createHash } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { MessageStatus, Row } from '../db/schema.ts';
import { decodedValue, parseHeaderBlock } from '../mail/header-block.ts';
import type { BlobStore } from '../ports.ts';
import type { AcceptedPointer } from './accept-message.ts';
import { findAcceptedPointer } from './accepted-lookup.ts';
import { storedMessageId, storedSubject } from './raw-headers.ts';

// What Postal's messages/message and messages/deliveries return (reference/postal.md §2.3,
// §2.4), from the message row and its raw blob, or, until ingest has written the row, from the
// pointer the accept step left (ARCHITECTURE principle 1): the message is then Pending.

export const EXPANSIONS = [
  'status',
  'details',
  'inspection',
  'plain_body',
  'html_body',
  'attachments',
  'headers',
  'raw_message',
  'activity_entries',
] as const;
export type Expansion = (typeof EXPANSIONS)[number];

export interface MessageSources {
  db: Db;
  blobs: BlobStore;
}

/** One message of a server, from its row or from its accepted pointer. */
export interface FoundMessage {
  id: number;
  serverId: number;
  token: string;
  row: Row<'messages'> | null;
  pointer: AcceptedPointer | null;
}

/** The message `id` of `serverId`; another server's message is as absent as a missing one. */
export async function findMessage(
  sources: MessageSources,
  serverId: number,
  id: number,
): Promise<FoundMessage | null> {
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  const row = await sources.db
    .selectFrom('messages')
    .selectAll()
    .where('id', '=', id)
    .where('server_id', '=', serverId)
    .executeTakeFirst();
  if (row) return { id, serverId, token: row.token, row, pointer: null };
  // Ingest deletes the pointer after writing the row, so reading it second never misses both.
  const pointer = await findAcceptedPointer(sources.blobs, id);
  if (!pointer || pointer.serverId !== serverId) return null;
  return { id, serverId, token: pointer.token, row: null, pointer };
}

export interface StatusView {
  status: MessageStatus;
  last_delivery_attempt: number | null;
  held: boolean;
  hold_expiry: number | null;
}

export interface DetailsView {
  rcpt_to: string;
  mail_from: string;
  subject: string | null;
  message_id: string | null;
  timestamp: number;
  direction: 'incoming' | 'outgoing';
  /** A string, as Postal's column is. */
  size: string | null;
  bounce: boolean;
  bounce_for_id: number | null;
  tag: string | null;
  received_with_ssl: boolean;
}

export interface InspectionView {
  inspected: boolean;
  spam: boolean;
  spam_score: number;
  threat: boolean;
  threat_details: string | null;
}

export interface AttachmentView {
  filename: string;
  content_type: string;
  data: string;
  size: number;
  hash: string;
}

export interface ActivityView {
  ip_address: string | null;
  user_agent: string | null;
  /** ISO 8601 with milliseconds, as Rails writes a Time. */
  timestamp: string;
}

export interface MessageView {
  id: number;
  token: string;
  status?: StatusView;
  details?: DetailsView;
  inspection?: InspectionView;
  plain_body?: string | null;
  html_body?: string | null;
  attachments?: AttachmentView[];
  headers?: Record<string, string[]>;
  raw_message?: string | null;
  activity_entries?: { loads: ActivityView[]; clicks: (ActivityView & { url: string | null })[] };
}

/** Expansions that need the MIME parts, not just the header block or the bytes. */
const BODY_EXPANSIONS: readonly Expansion[] = ['plain_body', 'html_body', 'attachments'];
const RAW_EXPANSIONS: readonly Expansion[] = [
  'plain_body',
  'html_body',
  'attachments',
  'headers',
  'raw_message',
];

/** `{id, token}` plus each expansion asked for, in Postal's order. */
export async function describeMessage(
  sources: MessageSources,
  message: FoundMessage,
  expansions: ReadonlySet<Expansion>,
): Promise<MessageView> {
  const view: MessageView = { id: message.id, token: message.token };
  const needsRaw =
    RAW_EXPANSIONS.some((name) => expansions.has(name)) || (expansions.has('details') && !message.row);
  const raw = needsRaw ? await readRaw(sources.blobs, rawKeyOf(message)) : null;
  if (expansions.has('status')) view.status = statusOf(message);
  if (expansions.has('details')) view.details = detailsOf(message, raw);
  if (expansions.has('inspection')) view.inspection = inspectionOf(message.row);
  const parsed = raw && BODY_EXPANSIONS.some((name) => expansions.has(name)) ? await parse(raw) : null;
  if (expansions.has('plain_body')) view.plain_body = parsed?.text ?? null;
  if (expansions.has('html_body')) view.html_body = parsed?.html ?? null;
  if (expansions.has('attachments')) view.attachments = parsed?.attachments ?? [];
  if (expansions.has('headers')) view.headers = raw ? headersOf(raw) : {};
  if (expansions.has('raw_message')) view.raw_message = raw ? rubyBase64(raw) : null;
  if (expansions.has('activity_entries')) view.activity_entries = await activityOf(sources.db, message);
  return view;
}

export interface DeliveryView {
  id: number;
  status: MessageStatus;
  details: string | null;
  output: string | null;
  sent_with_ssl: boolean;
  log_id: string | null;
  /** The attempt's duration in seconds. */
  time: number | null;
  timestamp: number;
}

/** The message's deliveries, oldest first; none while it is only accepted. */
export async function listDeliveries(
  sources: MessageSources,
  message: FoundMessage,
): Promise<DeliveryView[]> {
  if (!message.row) return [];
  const rows = await sources.db
    .selectFrom('deliveries')
    .selectAll()
    .where('server_id', '=', message.serverId)
    .where('message_id', '=', message.id)
    .orderBy('timestamp', 'asc')
    .orderBy('id', 'asc')
    .execute();
  return rows.map((row) => ({
    id: Number(row.id),
    status: row.status,
    details: row.details,
    output: row.output === null ? null : row.output.trim(),
    sent_with_ssl: row.sent_with_ssl === 1,
    log_id: row.log_id,
    time: row.duration_ms === null ? null : Number(row.duration_ms) / 1000,
    timestamp: seconds(row.timestamp),
  }));
}

function rawKeyOf(message: FoundMessage): string | null {
  return message.row ? message.row.raw_key : (message.pointer?.rawKey ?? null);
}

async function readRaw(blobs: BlobStore, key: string | null): Promise<Buffer | null> {
  if (key === null) return null;
  const object = await blobs.get(key);
  if (object === null || object === 'not-modified') return null;
  return Buffer.from(object.body.buffer, object.body.byteOffset, object.body.byteLength);
}

function statusOf({ row }: FoundMessage): StatusView {
  if (!row) return { status: 'Pending', last_delivery_attempt: null, held: false, hold_expiry: null };
  return {
    status: row.status,
    last_delivery_attempt: secondsOrNull(row.last_delivery_attempt),
    held: row.held === 1,
    hold_expiry: secondsOrNull(row.hold_expiry),
  };
}

function detailsOf({ row, pointer }: FoundMessage, raw: Buffer | null): DetailsView {
  if (row) {
    return {
      rcpt_to: row.rcpt_to,
      mail_from: row.mail_from,
      subject: row.subject,
      message_id: row.message_id,
      timestamp: seconds(row.timestamp),
      direction: row.scope,
      size: row.size === null ? null : String(row.size),
      bounce: row.bounce === 1,
      bounce_for_id: row.bounce_for_id === null ? null : Number(row.bounce_for_id),
      tag: row.tag,
      received_with_ssl: row.received_with_ssl === 1,
    };
  }
  const accepted = pointer!;
  const headers = raw ? parseHeaderBlock(raw) : [];
  return {
    rcpt_to: accepted.address,
    mail_from: accepted.mailFrom,
    subject: storedSubject(headers),
    message_id: storedMessageId(headers),
    timestamp: seconds(accepted.acceptedAt),
    direction: accepted.kind === 'outgoing' ? 'outgoing' : 'incoming',
    size: String(accepted.size),
    bounce: accepted.kind === 'bounce' || accepted.bounce,
    bounce_for_id: null,
    tag: accepted.tag,
    received_with_ssl: accepted.tls,
  };
}

function inspectionOf(row: Row<'messages'> | null): InspectionView {
  return {
    inspected: row?.inspected === 1,
    spam: row?.spam === 1,
    spam_score: Number(row?.spam_score ?? 0),
    threat: row?.threat === 1,
    threat_details: row?.threat_details ?? null,
  };
}

interface ParsedBody {
  text: string | null;
  html: string | null;
  attachments: AttachmentView[];
}

async function parse(raw: Buffer): Promise<ParsedBody> {
  // mailparser is loaded when a body is first asked for: few clients ask, and it costs memory.
  const { simpleParser } = await import('mailparser');
  // Bodies as the message has them: no text made from html, no html made from text.
  const mail = await simpleParser(raw, {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    skipImageLinks: true,
  });
  return {
    text: mail.text ?? null,
    html: typeof mail.html === 'string' ? mail.html : null,
    attachments: mail.attachments.map((attachment) => ({
      filename: attachment.filename ?? '',
      content_type: attachment.contentType,
      data: rubyBase64(attachment.content),
      size: attachment.content.byteLength,
      hash: createHash('sha1').update(attachment.content).digest('hex'),
    })),
  };
}

/** Every header of the top level, by lower-cased name, each value decoded, in message order. */
function headersOf(raw: Buffer): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (const header of parseHeaderBlock(raw)) {
    if (!Object.hasOwn(headers, header.name)) headers[header.name] = [];
    headers[header.name]!.push(decodedValue(header));
  }
  return headers;
}

async function activityOf(
  db: Db,
  message: FoundMessage,
): Promise<NonNullable<MessageView['activity_entries']>> {
  if (!message.row) return { loads: [], clicks: [] };
  const [loads, clicks] = await Promise.all([
    db
      .selectFrom('loads')
      .select(['ip_address', 'user_agent', 'timestamp'])
      .where('server_id', '=', message.serverId)
      .where('message_id', '=', message.id)
      .orderBy('timestamp', 'asc')
      .orderBy('id', 'asc')
      .execute(),
    db
      .selectFrom('clicks')
      .leftJoin('links', 'links.id', 'clicks.link_id')
      .select(['clicks.ip_address', 'clicks.user_agent', 'clicks.timestamp', 'links.url'])
      .where('clicks.server_id', '=', message.serverId)
      .where('clicks.message_id', '=', message.id)
      .orderBy('clicks.timestamp', 'asc')
      .orderBy('clicks.id', 'asc')
      .execute(),
  ]);
  const entry = (row: { ip_address: string | null; user_agent: string | null; timestamp: number }) => ({
    ip_address: row.ip_address,
    user_agent: row.user_agent,
    timestamp: new Date(Number(row.timestamp)).toISOString(),
  });
  return {
    loads: loads.map(entry),
    clicks: clicks.map((row) => ({ ...entry(row), url: row.url ?? null })),
  };
}

/** Ruby's Base64.encode64, which Postal uses: lines of 60 characters, each ending in "\n". */
function rubyBase64(bytes: Uint8Array): string {
  const encoded = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return encoded.replace(/.{1,60}/g, '$&\n');
}

const seconds = (millis: number): number => Number(millis) / 1000;
const secondsOrNull = (millis: number | null): number | null => (millis === null ? null : seconds(millis));
