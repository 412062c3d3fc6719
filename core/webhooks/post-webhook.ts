import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { Dns } from '../ports.ts';
import { checkTarget, privateRangeOf } from '../net/target-address.ts';
import { signatureHeaders } from './webhook-signature.ts';
import packageJson from '../../package.json' with { type: 'json' };

// One POST of a webhook body, as Postal's HTTP helper makes it: JSON, signed, basic auth from the
// URL's userinfo, a 5 s limit, and failures without an HTTP answer reported as Postal's codes.

export const TIMED_OUT = -1;
export const CONNECTION_ERROR = -2;
export const TLS_ERROR = -3;

export interface WebhookResponse {
  /** The HTTP status, or -1 timed out, -2 connection error, -3 TLS error. */
  statusCode: number;
  /** The first bytes of the response body; null when there was no response. */
  body: string | null;
  /** Why there was no HTTP response; null when there was one. */
  error: string | null;
}

export const succeeded = (response: WebhookResponse): boolean =>
  response.statusCode >= 200 && response.statusCode < 300;

const PostOptions = z
  .object({
    timeoutMs: z.number().int().positive(),
    /** Bytes of the response kept (the history shows them); the rest is not read. */
    bodyLimitBytes: z.number().int().positive(),
  })
  .strict();
export type PostOptions = z.infer<typeof PostOptions>;

const defaults: PostOptions = { timeoutMs: 5000, bodyLimitBytes: 1024 };

export interface PinnedAddress {
  address: string;
  family: 4 | 6;
}

export async function postWebhook(
  ctx: Pick<AppContext, 'allowPrivateTargets' | 'dns' | 'keys'>,
  url: string,
  body: string,
  options: Partial<PostOptions> = {},
): Promise<WebhookResponse> {
  const settings = PostOptions.parse({ ...defaults, ...options });
  if (!URL.canParse(url)) return failure(CONNECTION_ERROR, 'not a valid URL');
  const target = new URL(url);
  let pinned: PinnedAddress | null = null;
  if (!ctx.allowPrivateTargets) {
    const resolved = await resolvePublicAddress(ctx.dns, hostOf(target));
    if ('error' in resolved) return failure(CONNECTION_ERROR, resolved.error);
    pinned = resolved;
  }
  const bytes = Buffer.from(body, 'utf8');
  const headers: OutgoingHttpHeaders = {
    'Content-Type': 'application/json',
    'Content-Length': bytes.length,
    'User-Agent': `Postern/${packageJson.version}`,
    ...basicAuth(target),
    ...signatureHeaders(await ctx.keys.signingKey(), bytes),
  };
  return send(target, bytes, headers, pinned, settings);
}

/**
 * A public address of `host` from the Dns port, or why there is none. The connection is then
 * made to this address, not to a second lookup of the name, which could answer a private one
 * (DNS rebinding).
 */
export async function resolvePublicAddress(
  dns: Dns,
  host: string,
): Promise<PinnedAddress | { error: string }> {
  const check = checkTarget(host, { allowPrivate: false });
  if (!check.allowed) return { error: `refused: ${check.reason}` };
  const literal = isIP(host);
  if (literal !== 0) return { address: host, family: literal === 4 ? 4 : 6 };
  const reasons: string[] = [];
  for (const family of [4, 6] as const) {
    let addresses: string[];
    try {
      addresses = family === 4 ? await dns.a(host) : await dns.aaaa(host);
    } catch (error) {
      reasons.push(`${family === 4 ? 'A' : 'AAAA'} lookup failed: ${messageOf(error)}`);
      continue;
    }
    const address = addresses.find((candidate) => privateRangeOf(candidate) === null);
    if (address !== undefined) return { address, family };
    for (const candidate of addresses) {
      reasons.push(
        `refused: ${host} resolves to ${candidate}, not a public address (${privateRangeOf(candidate)})`,
      );
    }
  }
  return { error: reasons[0] ?? `${host} has no A or AAAA record` };
}

/** Sends to `pinned` when given (keeping the URL's name for Host, SNI and the certificate), else to the name. */
export function send(
  target: URL,
  body: Buffer,
  headers: OutgoingHttpHeaders,
  pinned: PinnedAddress | null,
  options: PostOptions,
): Promise<WebhookResponse> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (response: WebhookResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(response);
    };
    const onResponse = (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () =>
        finish({
          statusCode: response.statusCode ?? 0,
          body: Buffer.concat(chunks).subarray(0, options.bodyLimitBytes).toString('utf8'),
          error: null,
        });
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= options.bodyLimitBytes) done();
      });
      response.on('end', done);
      // The status arrived; a body cut short does not make the answer less of an answer.
      response.on('error', done);
    };
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
      {
        protocol: target.protocol,
        hostname: hostOf(target),
        port: target.port === '' ? undefined : Number(target.port),
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        headers,
        // A fresh connection each time: a pooled one could outlive the address check.
        agent: false,
        ...(pinned ? { lookup: pinnedLookup(pinned) } : {}),
      },
      onResponse,
    );
    const timer = setTimeout(
      () => finish(failure(TIMED_OUT, `Timed out after ${options.timeoutMs / 1000}s`)),
      options.timeoutMs,
    );
    request.on('error', (error) => finish(classify(error)));
    request.end(body);
  });
}

/** Answers every lookup with the checked address (net asks for a list when it races families). */
function pinnedLookup({ address, family }: PinnedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

function basicAuth(url: URL): OutgoingHttpHeaders {
  if (url.username === '' && url.password === '') return {};
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { Authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}` };
}

/** The host without the brackets of an IPv6 literal. */
const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

const failure = (statusCode: number, error: string): WebhookResponse => ({ statusCode, body: null, error });

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

// Certificate failures carry OpenSSL's codes; a broken handshake surfaces as EPROTO.
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|EPROTO$)|CERT|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH/;

function classify(error: Error & { code?: string }): WebhookResponse {
  return TLS_CODE.test(error.code ?? '')
    ? failure(TLS_ERROR, `TLS error: ${error.message}`)
    : failure(CONNECTION_ERROR, error.message);
}
