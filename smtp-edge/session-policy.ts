import { parseHeaderBlock } from '../core/mail/header-block.ts';
import { senderHeadersOf } from '../core/messages/raw-headers.ts';
import { hashSecret } from '../core/auth/secret-hash.ts';
import type { RecipientKind } from '../core/messages/accepted-message.ts';
import type { PolicyIndex } from '../core/policy/policy-index.ts';
import type { SnapshotRoute, SnapshotServer } from '../core/policy/policy-snapshot.ts';
import { authorizeSender } from '../core/policy/sender-authorization.ts';

// What the edge accepts, as pure functions of (policy index, session, command input) that return
// a value or a reply (STYLE habit 7). smtp-server parses the protocol; these decide. The rules
// are Postal's (reference/postal.md §5) unless a comment says otherwise.

export interface SmtpReply {
  code: number;
  /** RFC 3463 enhanced status code. */
  enhanced: string;
  message: string;
}

/** Every refusal the edge decides, with its enhanced code and where that code is defined. */
export const REPLIES = {
  // RFC 3463 §3.4 X.3.0 Other or undefined mail system status: no snapshot loaded yet.
  policyNotLoaded: { code: 451, enhanced: '4.3.0', message: 'Policy not loaded yet, try again later' },
  // RFC 3463 §3.4 X.3.0: the blob store or the queue failed; the client must retry.
  acceptFailed: { code: 451, enhanced: '4.3.0', message: 'Message could not be stored, try again later' },
  // RFC 4954 §6 454 4.7.0 Temporary authentication failure.
  authUnavailable: {
    code: 454,
    enhanced: '4.7.0',
    message: 'Temporary authentication failure, try again later',
  },
  // RFC 4954 §6 454 4.7.0, used for the in-memory failure throttle.
  tooManyAuthFailures: { code: 454, enhanced: '4.7.0', message: 'Too many failed attempts, try later' },
  // RFC 4954 §6 538 5.7.11 Encryption required for requested authentication mechanism.
  encryptionRequired: {
    code: 538,
    enhanced: '5.7.11',
    message: 'Encryption required for requested authentication mechanism',
  },
  // RFC 4954 §6 504 5.5.4 Unrecognized authentication type (CRAM-MD5 needs plaintext keys).
  unknownMechanism: { code: 504, enhanced: '5.5.4', message: 'Unrecognized authentication type' },
  // RFC 4954 §6 535 5.7.8 Authentication credentials invalid.
  invalidCredential: { code: 535, enhanced: '5.7.8', message: 'Invalid credential' },
  // RFC 4954 §6 535 5.7.8: the key is right but its server may not send; Postal's text.
  authServerSuspended: { code: 535, enhanced: '5.7.8', message: 'Mail server has been suspended' },
  // RFC 3463 §3.8 X.7.1 Delivery not authorized, message refused; Postal answers 535 here.
  serverSuspended: { code: 535, enhanced: '5.7.1', message: 'Mail server has been suspended' },
  // RFC 4954 §6 530 5.7.0 Authentication required: no open relay.
  authRequired: { code: 530, enhanced: '5.7.0', message: 'Authentication required' },
  // RFC 3463 §3.2 X.1.3 Bad destination mailbox address syntax.
  invalidRecipient: { code: 501, enhanced: '5.1.3', message: 'Invalid RCPT TO' },
  // RFC 3463 §3.2 X.1.1 Bad destination mailbox address.
  invalidServerToken: { code: 550, enhanced: '5.1.1', message: 'Invalid server token' },
  // RFC 3463 §3.2 X.1.1 Bad destination mailbox address.
  invalidRouteToken: { code: 550, enhanced: '5.1.1', message: 'Invalid route token' },
  // RFC 3463 §3.8 X.7.1 Delivery not authorized, message refused.
  routeRejects: { code: 550, enhanced: '5.7.1', message: 'Route does not accept incoming messages' },
  // RFC 3463 §3.4 X.3.4 Message too big for system.
  tooLarge: { code: 552, enhanced: '5.3.4', message: 'Message too large (maximum size 14MB)' },
  // RFC 3463 §3.5 X.4.6 Routing loop detected.
  loopDetected: { code: 550, enhanced: '5.4.6', message: 'Loop detected' },
  // RFC 3463 §3.7 X.6.0 Other or undefined media error: a lone dot between line breaks other
  // than CRLF is how SMTP smuggling hides a second message; no honest client sends it.
  smuggling: {
    code: 550,
    enhanced: '5.6.0',
    message: 'Message contains a lone dot line with bare CR or LF line breaks',
  },
  // RFC 3463 §3.8 X.7.1 Delivery not authorized, message refused; Postal answers 530 here.
  senderNotAllowed: { code: 530, enhanced: '5.7.1', message: 'From/Sender name is not valid' },
} as const satisfies Record<string, SmtpReply>;

/** RFC 4954 §6 235 2.7.0 Authentication Succeeded, with Postal's text. */
export function grantedReply(server: SnapshotServer): SmtpReply {
  return {
    code: 235,
    enhanced: '2.7.0',
    message: `Granted for ${server.organizationPermalink}/${server.permalink}`,
  };
}

const LISTED_IDS = 10;

/** RFC 3463 §3.1 X.0.0 success, naming the message ids so a client can look them up. */
export function queuedReply(messageIds: readonly number[]): SmtpReply {
  const listed = messageIds.slice(0, LISTED_IDS).join(', ');
  const more = messageIds.length > LISTED_IDS ? ` and ${messageIds.length - LISTED_IDS} more` : '';
  return { code: 250, enhanced: '2.0.0', message: `OK queued as ${listed}${more}` };
}

export interface SessionAuth {
  serverId: number;
  credentialId: number;
  /** SMTP AUTH with a credential key, or a client address inside an SMTP-IP network. */
  method: 'password' | 'network';
}

/** What the decisions read from a session; the listener derives it from smtp-server's session. */
export interface SessionState {
  secure: boolean;
  clientIp: string;
  auth: SessionAuth | null;
}

export interface RecipientDecision {
  /** The address to deliver to: route-domain forwarding addresses are rewritten to the route's. */
  address: string;
  kind: RecipientKind;
  serverId: number;
  routeId: number | null;
}

export type Decision<T> = ({ ok: true } & T) | { ok: false; reply: SmtpReply };

const refuse = (reply: SmtpReply): { ok: false; reply: SmtpReply } => ({ ok: false, reply });

export interface AuthInput {
  mechanism: string;
  /** The SMTP credential key; the username is ignored, as in Postal. */
  password: string;
}

export function decideAuth(
  index: PolicyIndex | null,
  session: SessionState,
  input: AuthInput,
): Decision<{ auth: SessionAuth; reply: SmtpReply }> {
  // Checked before anything else: a key sent in clear is refused whatever it is.
  if (!session.secure) return refuse(REPLIES.encryptionRequired);
  if (input.mechanism !== 'PLAIN' && input.mechanism !== 'LOGIN') return refuse(REPLIES.unknownMechanism);
  if (!index) return refuse(REPLIES.authUnavailable);
  // A map lookup on a hash: timing reveals nothing about keys an attacker does not already hold.
  const credential = input.password ? index.smtpCredentialByKeyHash(hashSecret(input.password)) : undefined;
  const server = credential && index.serverById(credential.serverId);
  if (!credential || !server) return refuse(REPLIES.invalidCredential);
  if (server.suspended) return refuse(REPLIES.authServerSuspended);
  return {
    ok: true,
    auth: { serverId: server.id, credentialId: credential.id, method: 'password' },
    reply: grantedReply(server),
  };
}

export function decideMailFrom(
  index: PolicyIndex | null,
  session: SessionState,
  input: { address: string },
): Decision<{ mailFrom: string }> {
  if (!index) return refuse(REPLIES.policyNotLoaded);
  // A credential revoked since AUTH stops working at the next transaction, not at reconnect.
  if (session.auth && !authStillValid(index, session.auth)) return refuse(REPLIES.invalidCredential);
  return { ok: true, mailFrom: input.address };
}

/** Postal's RCPT TO rules, in Postal's order (reference/postal.md §5). */
export function decideRcptTo(
  index: PolicyIndex | null,
  session: SessionState,
  input: { address: string },
): Decision<{ recipient: RecipientDecision; auth: SessionAuth | null }> {
  if (!index) return refuse(REPLIES.policyNotLoaded);
  const parts = splitAddress(input.address);
  if (!parts) return refuse(REPLIES.invalidRecipient);
  const { name, tag, domain } = parts;

  if (index.isReturnPathDomain(domain)) {
    const server = index.serverByToken(name);
    if (!server) return refuse(REPLIES.invalidServerToken);
    const recipient = { address: input.address, kind: 'bounce' as const, serverId: server.id, routeId: null };
    return { ok: true, recipient, auth: session.auth };
  }

  if (index.isRouteDomain(domain)) {
    const route = index.routeByToken(name);
    if (!route) return refuse(REPLIES.invalidRouteToken);
    return incoming(route, routeAddress(route, tag, input.address), session.auth);
  }

  if (session.auth) return outgoing(index, session.auth, input.address);

  const route = index.route(domain, name);
  if (route) return incoming(route, routeAddress(route, tag, input.address), null);

  const network = index.ipCredentialFor(session.clientIp);
  if (network) {
    return outgoing(
      index,
      { serverId: network.serverId, credentialId: network.id, method: 'network' },
      input.address,
    );
  }
  return refuse(REPLIES.authRequired);
}

export interface DataInput {
  /** The message as the client sent it, dot-unstuffed; at most maxSize bytes are kept. */
  message: Uint8Array;
  /** Bytes the client sent, which exceeds message.length when the message was cut. */
  size: number;
  maxSize: number;
  /** The listener's host name, as written in its Received headers. */
  hostname: string;
}

/** Postal's end-of-data checks, plus the smuggling guard. */
export function decideData(
  index: PolicyIndex | null,
  session: SessionState,
  input: DataInput,
): Decision<{ server: SnapshotServer | null; senderDomainId: number | null }> {
  if (!index) return refuse(REPLIES.policyNotLoaded);
  if (input.size > input.maxSize) return refuse(REPLIES.tooLarge);
  const text = Buffer.from(input.message.buffer, input.message.byteOffset, input.message.byteLength).toString(
    'latin1',
  );
  if (hasSmuggledTerminator(text)) return refuse(REPLIES.smuggling);
  const headers = parseHeaderBlock(text);
  // Postal counts its own Received header too, which is added in front of this data.
  const ownHops = 1 + headers.filter((h) => h.name === 'received' && viaHost(h.value, input.hostname)).length;
  if (ownHops > 4) return refuse(REPLIES.loopDetected);
  if (!session.auth) return { ok: true, server: null, senderDomainId: null };
  const server = index.serverById(session.auth.serverId);
  if (!server || !authStillValid(index, session.auth)) return refuse(REPLIES.invalidCredential);
  const authorization = authorizeSender(server, senderHeadersOf(headers));
  if (!authorization.authorized) return refuse(REPLIES.senderNotAllowed);
  return { ok: true, server, senderDomainId: authorization.domain.id };
}

export interface ReceivedInput {
  /** The HELO/EHLO name, or null when the client sent none. */
  helo: string | null;
  /** The client's reverse DNS name, or null when unknown. */
  clientHostname: string | null;
  clientIp: string;
  hostname: string;
  /** The client greeted with EHLO. */
  esmtp: boolean;
  secure: boolean;
  authenticated: boolean;
  /** The authenticated server has privacy mode: say nothing about the client. */
  privacy: boolean;
  now: number;
}

/** The Received header the edge puts in front of a message (RFC 5321 §4.4, RFC 3848 protocol names). */
export function receivedHeader(input: ReceivedInput): string {
  const literal = input.clientIp.includes(':') ? `IPv6:${input.clientIp}` : input.clientIp;
  const from = input.privacy
    ? ''
    : `from ${input.helo ?? 'unknown'} (${input.clientHostname ?? input.clientIp} [${literal}])\r\n\t`;
  const protocol = input.esmtp ? `ESMTP${input.secure ? 'S' : ''}${input.authenticated ? 'A' : ''}` : 'SMTP';
  return `Received: ${from}by ${input.hostname} with ${protocol}; ${rfc5322Date(input.now)}\r\n`;
}

function authStillValid(index: PolicyIndex, auth: SessionAuth): boolean {
  return index.credentialExists(auth.credentialId) && index.serverById(auth.serverId) !== undefined;
}

function outgoing(
  index: PolicyIndex,
  auth: SessionAuth,
  address: string,
): Decision<{ recipient: RecipientDecision; auth: SessionAuth }> {
  const server = index.serverById(auth.serverId);
  if (!server || !index.credentialExists(auth.credentialId)) return refuse(REPLIES.invalidCredential);
  if (server.suspended) return refuse(REPLIES.serverSuspended);
  return { ok: true, recipient: { address, kind: 'outgoing', serverId: server.id, routeId: null }, auth };
}

function incoming(
  route: SnapshotRoute,
  address: string,
  auth: SessionAuth | null,
): Decision<{ recipient: RecipientDecision; auth: SessionAuth | null }> {
  if (route.mode === 'Reject') return refuse(REPLIES.routeRejects);
  return {
    ok: true,
    recipient: { address, kind: 'incoming', serverId: route.serverId, routeId: route.id },
    auth,
  };
}

/**
 * Postal rewrites a route recipient to `name[+tag]@<route domain>`. A `*` route has no name to
 * write, so its recipient keeps the address the client gave.
 */
function routeAddress(route: SnapshotRoute, tag: string | null, original: string): string {
  if (route.name === '*' || route.domain === null) return original;
  return `${route.name}${tag === null ? '' : `+${tag}`}@${route.domain}`;
}

function splitAddress(address: string): { name: string; tag: string | null; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  const local = address.slice(0, at);
  const plus = local.indexOf('+');
  return {
    name: plus === -1 ? local : local.slice(0, plus),
    tag: plus === -1 ? null : local.slice(plus + 1),
    domain: address.slice(at + 1).toLowerCase(),
  };
}

// A line holding only a dot, with any line break around it. smtp-server ends DATA only at
// CRLF.CRLF, so a legitimate lone dot line (sent dot-stuffed) always sits between CRLFs, or
// at the very start; anything else was crafted to end DATA early on a laxer server downstream.
const LONE_DOT_LINE = /(^|\r\n|\n|\r)\.(\r\n|\n|\r)/g;

function hasSmuggledTerminator(text: string): boolean {
  for (const match of text.matchAll(LONE_DOT_LINE)) {
    if ((match[1] !== '' && match[1] !== '\r\n') || match[2] !== '\r\n') return true;
  }
  return false;
}

function viaHost(received: string, hostname: string): boolean {
  const escaped = hostname.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\bby\\s+${escaped}(?![\\w.-])`, 'i').test(received);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time in UTC, e.g. `Wed, 25 Nov 2026 12:00:00 +0000`. */
export function rfc5322Date(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (value: number): string => String(value).padStart(2, '0');
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${time} +0000`;
}
