import { isAscii } from 'node:buffer';
import type { SmtpEnvelope } from '../ports.ts';
import type { DeliveryOutcome } from './delivery-result.ts';

// What a remote server's answer means for a delivery attempt, as Postal reads it (reference §6):
// 2yz is Sent, 4yz and no answer at all (timeouts, refused or dropped connections) are SoftFail
// and retried, 5yz is HardFail. Plus the two things Postal does not do: noticing that a remote is
// rate limiting us (so the destination limiter backs off) and refusing, with a clear reason, to
// hand a message that needs SMTPUTF8 to a server that does not offer it.

export interface SmtpReply {
  /** The basic reply code (RFC 5321 §4.2), or null when no reply code could be read. */
  code: number | null;
  /** The enhanced status code (RFC 3463 §2) when the first line carries one. */
  enhanced: string | null;
  /** The reply text without codes, lines joined by a space. */
  text: string;
}

const REPLY_LINE = /^(\d{3})(?:[ -](.*))?$/;
const ENHANCED = /^([245]\.\d{1,3}\.\d{1,3})(?:\s+|$)(.*)$/;

/** Reads a (possibly multi-line) reply such as `451-4.7.1 Slow down\r\n451 4.7.1 please`. */
export function parseReply(reply: string): SmtpReply {
  const lines = reply.split(/\r?\n/).filter((line) => line.trim() !== '');
  let code: number | null = null;
  let enhanced: string | null = null;
  const texts: string[] = [];
  for (const [index, line] of lines.entries()) {
    const match = REPLY_LINE.exec(line.trim());
    if (!match) {
      texts.push(line.trim());
      continue;
    }
    code ??= Number(match[1]);
    let text = match[2] ?? '';
    const withEnhanced = ENHANCED.exec(text);
    // RFC 3463 §2: the enhanced code's class matches the reply's first digit.
    if (withEnhanced && withEnhanced[1]?.[0] === match[1]?.[0]) {
      if (index === 0) enhanced = withEnhanced[1] ?? null;
      text = withEnhanced[2] ?? '';
    }
    texts.push(text.trim());
  }
  return { code, enhanced, text: texts.filter(Boolean).join(' ') };
}

/**
 * Postal's mapping of a final answer to a status (RFC 5321 §4.2.1): 2yz accepted, 5yz permanent,
 * everything else, no answer included, temporary.
 */
export function outcomeOf(code: number | null): DeliveryOutcome {
  if (code === null) return 'SoftFail';
  if (code >= 200 && code < 300) return 'Sent';
  if (code >= 500 && code < 600) return 'HardFail';
  return 'SoftFail';
}

/** The longest wait a hint may ask for: SQS's largest visibility timeout (12 h). */
export const MAX_RETRY_HINT_SECONDS = 43_200;

/**
 * Postal's retry hint: a remote that says "N seconds" or "N minutes" is retried after that long
 * plus 10 s (seconds are looked for first, as Postal does). Singular units are read too. Capped
 * at 12 h, so a hostile or garbled reply cannot park a message for years.
 */
export function retryHintSeconds(reply: string): number | null {
  const seconds = /(\d+) seconds?\b/i.exec(reply);
  const minutes = seconds ? null : /(\d+) minutes?\b/i.exec(reply);
  const value = seconds ? Number(seconds[1]) : minutes ? Number(minutes[1]) * 60 : null;
  if (value === null || !Number.isFinite(value)) return null;
  return Math.min(value + 10, MAX_RETRY_HINT_SECONDS);
}

// Texts major receivers use when they throttle a sender: Gmail's "unusual rate" (4.7.28), Yahoo's
// "temporarily deferred due to unexpected volume" (TSS04), Microsoft's "server busy", Postfix's
// "too many connections", and the generic "rate limit"/"throttl…"/"reputation".
const RATE_TEXT =
  /too many|rate.?limit|\brate\b|throttl|unexpected volume|temporarily deferred|reputation|server busy|slow down/i;

/**
 * Whether a reply says we are sending too fast or are not trusted at the moment, so the
 * destination's concurrency should be halved: 421 (RFC 5321 §3.8, the server is shedding
 * connections), an enhanced 4.7.x (RFC 3463 §3.8, security or policy status, where receivers put
 * rate and reputation deferrals), or another 4yz whose text says so (450 4.2.1 "too many…").
 * Permanent rejections are never rate signals: the message fails and nothing is retried.
 */
export function isRateLimitReply(reply: SmtpReply): boolean {
  const { code, enhanced, text } = reply;
  if (code === null || code < 400 || code >= 500) return false;
  if (code === 421) return true;
  if (enhanced?.startsWith('4.7.')) return true;
  return RATE_TEXT.test(text);
}

/** Whether an EHLO reply advertises `keyword` (RFC 5321 §4.1.1.1: one extension per line). */
export function advertises(ehloReply: string, keyword: string): boolean {
  const wanted = keyword.toUpperCase();
  return ehloReply
    .split(/\r?\n/)
    .some(
      (line) => /^\d{3}[ -]/.test(line) && line.slice(4).trim().split(/\s+/)[0]?.toUpperCase() === wanted,
    );
}

/**
 * RFC 6531 §3.2 and RFC 6532 §3: a message needs SMTPUTF8 when an envelope address or a header
 * field carries non-ASCII characters. The body alone does not (8BITMIME covers it).
 */
export function needsSmtputf8(envelope: SmtpEnvelope, raw: Uint8Array): boolean {
  if (/[^\x00-\x7f]/.test(envelope.from + envelope.to)) return true;
  for (let index = 0; index < raw.length; index += 1) {
    const byte = raw[index] ?? 0;
    if (byte > 0x7f) return true;
    // An empty line ends the header section (RFC 5322 §2.1).
    if (byte === 0x0a && (raw[index + 1] === 0x0a || (raw[index + 1] === 0x0d && raw[index + 2] === 0x0a))) {
      return false;
    }
  }
  return false;
}

/** Whether any byte of the message is outside 7-bit ASCII, so BODY=8BITMIME should be declared (RFC 6152). */
export function hasEightBitBytes(raw: Uint8Array): boolean {
  return !isAscii(raw);
}

/** The reason given when a message that needs SMTPUTF8 meets a server without it (RFC 6531 §3.4). */
export function smtputf8Refusal(endpoint: string): string {
  return (
    `The message needs SMTPUTF8 (non-ASCII addresses or headers, RFC 6531) but ${endpoint} ` +
    'does not offer it, so it cannot be delivered there without changing it'
  );
}
