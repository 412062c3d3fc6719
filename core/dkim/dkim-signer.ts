import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';

// DKIM signing as Postal does it (app/lib/dkim_header.rb; reference/postal.md §6), so that a
// message signed here carries the same DKIM-Signature header, byte for byte, as Postal's:
//
//   DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;<CRLF>
//   <TAB>d=example.com;<CRLF>
//   <TAB>s=postal-AbC123; t=1626973299;<CRLF>
//   <TAB>bh=<base64>;<CRLF>
//   <TAB>h=date:from:to:subject;<CRLF>
//   <TAB>b=<signature, 72 characters a line, lines joined by CRLF TAB>
//
// Canonicalization is relaxed/relaxed (RFC 6376 §3.4.2 and §3.4.4). Two inputs give a different
// result from Postal's, both places where Postal's output fails verification:
//  - a signed header field that occurs more than once: h= names every occurrence in message
//    order, as Postal's does, but the instances are signed bottom-up, as RFC 6376 §5.4.2 asks and
//    verifiers expect. Postal signs them top-down. With a single occurrence each, nothing changes.
//  - an empty body, or one of blank lines only: hashed as the empty string (RFC 6376 §3.4.4;
//    bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=). Postal hashes a lone CRLF.
//    A bare CR at the very end of the body is content here, as in the RFC; Postal strips it.

/** The header fields Postal signs, whenever present, in the order they appear in the message. */
export const DKIM_SIGNED_HEADERS: readonly string[] = [
  'from',
  'sender',
  'reply-to',
  'subject',
  'date',
  'message-id',
  'to',
  'cc',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'resent-to',
  'resent-cc',
  'resent-from',
  'resent-sender',
  'resent-message-id',
  'in-reply-to',
  'references',
  'list-id',
  'list-help',
  'list-owner',
  'list-unsubscribe',
  'list-unsubscribe-post',
  'list-subscribe',
  'list-post',
];

export interface DkimSignOptions {
  /** d=, an ASCII (A-label) domain name. */
  domain: string;
  /** s=, the selector: the key is published at `<selector>._domainkey.<domain>`. */
  selector: string;
  /** An RSA private key, PKCS#1 or PKCS#8 PEM. */
  privateKeyPem: string;
  /** t=, the signing time in seconds since the epoch. */
  timestamp: number;
}

const SIGNED = new Set(DKIM_SIGNED_HEADERS);
const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const TAB = 0x09;
const CRLF = Buffer.from('\r\n');
const SIGNATURE_LINE = 72;
// RFC 6376 §3.5: d= and s= are domain names (s= may have several labels). Nothing that could end
// the tag or the header (`;`, whitespace, CR, LF) gets through this.
const TAG_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9])?$/;

/** `raw` with CRLF line endings and a DKIM-Signature header in front. */
export function signMessage(raw: Uint8Array, options: DkimSignOptions): Uint8Array {
  const message = toCrlf(raw);
  const draft = signatureDraft(message, options);
  return withHeader(draft.header(sign('sha256', draft.data, draft.key)), message);
}

/**
 * `signMessage` with the RSA operation on libuv's thread pool: the same bytes, and the event
 * loop of a busy process stays free for the millisecond a 2048-bit signature takes.
 */
export async function signMessageOffThread(raw: Uint8Array, options: DkimSignOptions): Promise<Uint8Array> {
  const message = toCrlf(raw);
  const draft = signatureDraft(message, options);
  const signature = await new Promise<Buffer>((resolve, reject) =>
    sign('sha256', draft.data, draft.key, (error, result) => (error ? reject(error) : resolve(result))),
  );
  return withHeader(draft.header(signature), message);
}

/**
 * The DKIM-Signature header field for `message`, without its final CRLF: what Postal's
 * `DKIMHeader#dkim_header` returns. Bare LFs in `message` are read as CRLF.
 */
export function dkimSignatureHeader(message: Uint8Array, options: DkimSignOptions): string {
  const draft = signatureDraft(toCrlf(message), options);
  return draft.header(sign('sha256', draft.data, draft.key));
}

function withHeader(header: string, message: Buffer): Uint8Array {
  return Buffer.concat([Buffer.from(header, 'latin1'), CRLF, message]);
}

/** Everything of the signature but the RSA operation: what it signs, with what, and the header around it. */
function signatureDraft(
  message: Buffer,
  options: DkimSignOptions,
): { data: Buffer; key: KeyObject; header(signature: Buffer): string } {
  const { domain, selector, timestamp } = checkOptions(options);
  const key = privateKey(options.privateKeyPem);
  const { headerEnd, bodyStart } = splitMessage(message);

  const bodyHash = createHash('sha256')
    .update(canonicalBody(message.subarray(bodyStart)))
    .digest('base64');
  const signed = signedHeaderFields(message.toString('latin1', 0, headerEnd));
  const h = signed.names.join(':');

  // The signature covers the DKIM-Signature header itself, relaxed, with an empty b= (RFC 6376
  // §3.7); unfolding the header below gives exactly this text.
  const tags = `v=1; a=rsa-sha256; c=relaxed/relaxed; d=${domain}; s=${selector}; t=${timestamp}; bh=${bodyHash}; h=${h}; b=`;
  const data = Buffer.from([...signed.canonical, `dkim-signature:${tags}`].join('\r\n'), 'latin1');
  const header = (signature: Buffer) =>
    'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n' +
    `\td=${domain};\r\n` +
    `\ts=${selector}; t=${timestamp};\r\n` +
    `\tbh=${bodyHash};\r\n` +
    `\th=${h};\r\n` +
    `\tb=${wrap(signature.toString('base64'), SIGNATURE_LINE)}`;
  return { data, key, header };
}

/**
 * Relaxed body canonicalization (RFC 6376 §3.4.4) of a body with CRLF line endings: runs of
 * spaces and tabs become one space, whitespace at the end of a line goes, empty lines at the end
 * go, and a non-empty result ends with CRLF. A CR without LF is content.
 */
export function relaxedBody(body: Uint8Array): Uint8Array {
  return canonicalBody(body).slice();
}

// The body is canonicalized into a buffer kept between calls: allocating one per message costs
// more than the canonicalization. Bodies above the cap get their own buffer, so that one large
// message does not stay in memory.
const SCRATCH_CAP = 1024 * 1024;
let scratch = new Uint8Array(64 * 1024);

/** relaxedBody in a buffer that the next call overwrites. */
function canonicalBody(body: Uint8Array): Uint8Array {
  const n = body.length;
  if (scratch.length < n + 2 && n + 2 <= SCRATCH_CAP) scratch = new Uint8Array(SCRATCH_CAP);
  const out = scratch.length >= n + 2 ? scratch : new Uint8Array(n + 2);
  let o = 0;
  let start = 0; // bytes from start to i are copied unchanged
  let i = 0;
  while (i < n) {
    const c = body[i]!;
    if (c !== SP && c !== TAB) {
      i++;
      continue;
    }
    const next = i + 1 < n ? body[i + 1]! : -1;
    // One space between two pieces of content stays as it is.
    if (c === SP && next !== -1 && next !== SP && next !== TAB && (next !== CR || body[i + 2] !== LF)) {
      i += 2;
      continue;
    }
    out.set(body.subarray(start, i), o);
    o += i - start;
    let j = i + 1;
    while (j < n && (body[j] === SP || body[j] === TAB)) j++;
    if (j < n && (body[j] !== CR || body[j + 1] !== LF)) out[o++] = SP;
    start = i = j;
  }
  out.set(body.subarray(start, n), o);
  o += n - start;
  while (o >= 2 && out[o - 2] === CR && out[o - 1] === LF) o -= 2;
  if (o > 0) {
    out[o++] = CR;
    out[o++] = LF;
  }
  return out.subarray(0, o);
}

/** `raw` with every LF that has no CR before it turned into CRLF; `raw` itself when there is none. */
export function toCrlf(raw: Uint8Array): Buffer {
  const input = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let bare = 0;
  for (let i = input.indexOf(LF); i !== -1; i = input.indexOf(LF, i + 1)) {
    if (i === 0 || input[i - 1] !== CR) bare++;
  }
  if (bare === 0) return input;
  const out = Buffer.allocUnsafe(input.length + bare);
  let o = 0;
  let start = 0;
  for (let i = input.indexOf(LF); i !== -1; i = input.indexOf(LF, i + 1)) {
    if (i === 0 || input[i - 1] !== CR) {
      o += input.copy(out, o, start, i);
      out[o++] = CR;
      start = i;
    }
  }
  input.copy(out, o, start);
  return out;
}

/**
 * Where the header block ends (before its last CRLF) and the body starts: after the first empty
 * line (RFC 5322 §2.1). No empty line means no body.
 */
function splitMessage(message: Buffer): { headerEnd: number; bodyStart: number } {
  if (message[0] === CR && message[1] === LF) return { headerEnd: 0, bodyStart: 2 };
  const end = message.indexOf('\r\n\r\n');
  return end === -1
    ? { headerEnd: message.length, bodyStart: message.length }
    : { headerEnd: end, bodyStart: end + 4 };
}

/**
 * The fields to sign from a header block (latin1, CRLF): their lower-cased names in message order,
 * for h=, and their relaxed forms (RFC 6376 §3.4.2) in the order a verifier reads them back:
 * the n-th occurrence of a name in h= is the n-th instance of that field from the bottom (§5.4.2).
 * As in Postal, a field is signed only when its name is followed directly by the colon.
 */
function signedHeaderFields(block: string): { names: string[]; canonical: string[] } {
  const names: string[] = [];
  const instances = new Map<string, string[]>();
  let field: string | undefined;
  const take = (raw: string): void => {
    const colon = raw.indexOf(':');
    if (colon <= 0) return;
    const name = raw.slice(0, colon).toLowerCase();
    if (!SIGNED.has(name)) return;
    names.push(name);
    const list = instances.get(name);
    const line = `${name}:${relaxedValue(raw.slice(colon + 1))}`;
    if (list) list.push(line);
    else instances.set(name, [line]);
  };
  for (const line of block.split('\r\n')) {
    const c = line.charCodeAt(0);
    if ((c === SP || c === TAB) && field !== undefined) {
      field += line;
    } else {
      if (field !== undefined) take(field);
      field = line;
    }
  }
  if (field !== undefined) take(field);

  const used = new Map<string, number>();
  const canonical = names.map((name) => {
    const list = instances.get(name)!;
    const n = used.get(name) ?? 0;
    used.set(name, n + 1);
    return list[list.length - 1 - n]!;
  });
  return { names, canonical };
}

/** An unfolded field value, relaxed: WSP runs to one space, none at either end. */
function relaxedValue(value: string): string {
  let v = value.replace(/[ \t]+/g, ' ');
  if (v.startsWith(' ')) v = v.slice(1);
  if (v.endsWith(' ')) v = v.slice(0, -1);
  return v;
}

function wrap(text: string, width: number): string {
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += width) lines.push(text.slice(i, i + width));
  return lines.join('\r\n\t');
}

function checkOptions(options: DkimSignOptions): DkimSignOptions {
  const { domain, selector, timestamp } = options;
  if (!TAG_NAME.test(domain)) throw new RangeError(`DKIM: invalid d= domain ${JSON.stringify(domain)}`);
  if (!TAG_NAME.test(selector)) throw new RangeError(`DKIM: invalid s= selector ${JSON.stringify(selector)}`);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError(`DKIM: invalid t= timestamp ${String(timestamp)}`);
  }
  return options;
}

// Signing with a PEM string parses it and sets the key up each time, which doubles the cost of
// an RSA-2048 signature; a server signs with few keys.
const KEY_CACHE_SIZE = 64;
const keys = new Map<string, KeyObject>();

function privateKey(pem: string): KeyObject {
  let key = keys.get(pem);
  if (key === undefined) {
    key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa') {
      throw new RangeError(`DKIM: a=rsa-sha256 needs an RSA key, not ${String(key.asymmetricKeyType)}`);
    }
    if (keys.size >= KEY_CACHE_SIZE) keys.delete(keys.keys().next().value!);
    keys.set(pem, key);
  }
  return key;
}
