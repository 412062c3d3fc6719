import { limiterDefaults } from './destination-limiter.ts';
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SMTPConnectionOptions } from 'nodemailer/lib/smtp-connection';
import { z } from 'zod';
import {
  advertises,
  hasEightBitBytes,
  needsSmtputf8,
  parseReply,
  smtputf8Refusal,
} from '../../core/delivery/smtp-reply.ts';
import type { Logger, SmtpEnvelope, SmtpSendResult, SmtpTarget, SmtpTransport } from '../../core/ports.ts';

// The SmtpTransport port over nodemailer's SMTPConnection (the low-level client: it gives each
// reply's code and text and whether TLS is up, which the high-level transporter hides).
//
// TLS, as Postal (reference §6): MX delivery ('opportunistic') uses STARTTLS when offered,
// without checking certificates, and when the handshake fails tries the same host again in
// plain text. Relays ('required', 'implicit') verify the certificate against the system's CAs
// (plus any configured) and the host name; credentials are never sent without TLS unless the
// relay is explicitly 'none'.
//
// How a failure is reported tells the worker what to do next: `soft_fail` with `code: null`
// means no SMTP transaction took place with this host (it could not be reached, it refused us in
// its greeting, EHLO, STARTTLS or AUTH, or the connection broke), so the next host may be tried;
// the reply, if there was one, is in `response`. Any other failure is the host's answer for this
// message (or a permanent refusal decided here, such as SMTPUTF8) and ends the attempt.
//
// Connections are kept for a short idle time per (host, port, source address, HELO name, TLS
// mode, credentials) and reused for the next message to the same place. A connection idle for
// more than a moment, or whose last transaction was cut short, is checked with an RSET first.

export interface NodemailerTransportOptions {
  logger: Logger;
  /** Time to open the TCP connection; 30 s as Postal. */
  connectTimeoutMs?: number;
  /** Time to wait for the greeting (and a STARTTLS handshake); 30 s. */
  greetingTimeoutMs?: number;
  /** Time a connection may stay silent while we wait for a reply; 30 s as Postal's read timeout. */
  socketTimeoutMs?: number;
  /** How long an unused connection is kept for the next message; 5 s. */
  idleTimeoutMs?: number;
  /** Idle connections kept per destination key; more are closed. As many as a destination is sent at once. */
  maxIdlePerTarget?: number;
  /** Messages sent over one connection before it is closed (Postal batches about 100). */
  maxMessagesPerConnection?: number;
  /** Further CA certificates (PEM) trusted for relays, besides the system's. */
  extraCaCertificates?: readonly string[];
}

const defaults = {
  connectTimeoutMs: 30_000,
  greetingTimeoutMs: 30_000,
  socketTimeoutMs: 30_000,
  idleTimeoutMs: 5_000,
  maxIdlePerTarget: limiterDefaults.max,
  maxMessagesPerConnection: 100,
  extraCaCertificates: [] as readonly string[],
};

const Settings = z
  .object({
    connectTimeoutMs: z.number().int().positive(),
    greetingTimeoutMs: z.number().int().positive(),
    socketTimeoutMs: z.number().int().positive(),
    idleTimeoutMs: z.number().int().nonnegative(),
    maxIdlePerTarget: z.number().int().nonnegative(),
    maxMessagesPerConnection: z.number().int().positive(),
    extraCaCertificates: z.array(z.string()).readonly(),
  })
  .strict();
type Settings = z.infer<typeof Settings>;

/** What nodemailer puts on its errors (lib/errors and SMTPConnection#_formatError). */
interface SmtpClientError extends Error {
  code?: string;
  originalCode?: string;
  response?: string;
  responseCode?: number;
  timeoutType?: string;
  /** The command whose answer failed ('MAIL FROM', 'RCPT TO', 'DATA', …). */
  command?: string;
}

interface Session {
  id: number;
  key: string;
  connection: SMTPConnection;
  /** The EHLO (or HELO) reply the session was set up with; after STARTTLS, the second one. */
  ehlo: string;
  secure: boolean;
  remote: string;
  messages: number;
  /** The last transaction ended with the server's answer to its data, which clears its state. */
  completed: boolean;
  /** When the connection was last handed back (performance.now()). */
  releasedAt: number;
  lastError: SmtpClientError | null;
  closed: boolean;
  idleTimer: ReturnType<typeof setTimeout> | null;
}

type Opened = { ok: true; session: Session } | { ok: false; failure: string; tlsFailed: boolean };

/** A connection handed back this recently is taken as alive; one idle longer is asked with RSET. */
const RECENT_MS = 1_000;

/** How long a QUIT may take before the socket is simply closed. */
const QUIT_GRACE_MS = 2_000;

export class NodemailerTransport implements SmtpTransport {
  readonly #settings: Readonly<Settings>;
  readonly #logger: Logger;
  readonly #idle = new Map<string, Session[]>();
  #nextId = 1;
  #closed = false;
  /** Connections opened so far (for metrics and tests). */
  connectionsOpened = 0;

  constructor(options: NodemailerTransportOptions) {
    const { logger, ...rest } = options;
    this.#settings = Object.freeze(Settings.parse({ ...defaults, ...withoutUndefined(rest) }));
    this.#logger = logger.child({ component: 'smtp-transport' });
  }

  async send(target: SmtpTarget, envelope: SmtpEnvelope, raw: Uint8Array): Promise<SmtpSendResult> {
    if (this.#closed)
      return { status: 'soft_fail', code: null, response: 'the transport is closed', secure: false };
    const checkout = await this.#checkout(target);
    if (!checkout.ok) return { status: 'soft_fail', code: null, response: checkout.failure, secure: false };
    const { session } = checkout;
    const { secure } = session;
    if (needsSmtputf8(envelope, raw) && !advertises(session.ehlo, 'SMTPUTF8')) {
      this.#release(session);
      return { status: 'hard_fail', code: null, response: smtputf8Refusal(session.remote), secure };
    }
    const sent = await call<{ response: string }>(session, (done) =>
      session.connection.send(
        {
          from: envelope.from,
          to: [envelope.to],
          size: raw.byteLength,
          use8BitMime: hasEightBitBytes(raw),
        },
        Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength),
        done,
      ),
    );
    session.messages += 1;
    session.completed = sent.ok || failedAfterData(sent.error);
    this.#release(session);
    if (sent.ok) return { status: 'sent', response: sent.value.response, secure };
    return failureOf(sent.error, secure);
  }

  /** Closes idle connections (QUIT) and those still in use once they are done. */
  async close(): Promise<void> {
    this.#closed = true;
    const closing = [...this.#idle.values()].flat().map((session) => this.#quit(session));
    await Promise.all(closing);
  }

  async #checkout(target: SmtpTarget): Promise<Opened> {
    const key = keyOf(target);
    const idle = this.#idle.get(key);
    while (idle && idle.length > 0) {
      const session = idle.pop() as Session;
      this.#unpark(session);
      if (session.closed) continue;
      // RFC 5321 §4.1.1.4: the answer to the data ends a transaction and clears the server's
      // state, so a connection just used needs no RSET; one cut short does (§4.1.1.5), and one
      // idle for longer gets it too, to find out whether it is still there before the message goes.
      if (session.completed && performance.now() - session.releasedAt < RECENT_MS)
        return { ok: true, session };
      const reset = await call<boolean>(session, (done) => session.connection.reset(done));
      if (reset.ok) {
        this.#logger.debug('smtp connection reused', { connection: session.id, remote: session.remote });
        return { ok: true, session };
      }
      void this.#quit(session);
    }
    return this.#connect(target, key);
  }

  async #connect(target: SmtpTarget, key: string): Promise<Opened> {
    const first = await this.#openSession(target, key, target.tls === 'none');
    if (first.ok || target.tls !== 'opportunistic' || !first.tlsFailed)
      return this.#authenticate(target, first);
    // Postal's 'Auto' mode: a server whose TLS is broken still gets the message, in plain text.
    this.#logger.warn('STARTTLS failed, retrying without TLS', {
      remote: endpointOf(target),
      error: first.failure,
    });
    const plain = await this.#openSession(target, key, true);
    if (plain.ok) return this.#authenticate(target, plain);
    return { ok: false, failure: `${first.failure}; without TLS: ${plain.failure}`, tlsFailed: false };
  }

  #openSession(target: SmtpTarget, key: string, plain: boolean): Promise<Opened> {
    const connection = new SMTPConnection(this.#connectionOptions(target, plain));
    this.connectionsOpened += 1;
    const session: Session = {
      id: this.#nextId++,
      key,
      connection,
      ehlo: '',
      secure: false,
      remote: endpointOf(target),
      messages: 0,
      completed: true,
      releasedAt: 0,
      lastError: null,
      closed: false,
      idleTimer: null,
    };
    // SMTPConnection emits 'error' for every failure; without a listener Node would throw it.
    connection.on('error', (error: SmtpClientError) => {
      session.lastError = error;
    });
    connection.once('end', () => {
      session.closed = true;
      this.#unpark(session);
    });
    return new Promise<Opened>((resolve) => {
      let settled = false;
      const fail = (error: SmtpClientError) => {
        if (settled) return;
        settled = true;
        const tlsFailed = isTlsFailure(error, connection);
        connection.close();
        resolve({ ok: false, failure: describeError(error), tlsFailed });
      };
      connection.once('error', fail);
      connection.once('end', () =>
        // 'end' comes before the error is handed on; give the error its turn first.
        setImmediate(() =>
          fail(session.lastError ?? new Error('connection closed before the SMTP session began')),
        ),
      );
      connection.connect((error?: SmtpClientError) => {
        if (error) return fail(error);
        if (settled) return;
        settled = true;
        connection.removeListener('error', fail);
        session.ehlo = typeof connection.lastServerResponse === 'string' ? connection.lastServerResponse : '';
        session.secure = connection.secure;
        this.#logger.debug('smtp connection opened', {
          connection: session.id,
          remote: session.remote,
          secure: session.secure,
        });
        resolve({ ok: true, session });
      });
    });
  }

  async #authenticate(target: SmtpTarget, opened: Opened): Promise<Opened> {
    if (!opened.ok || !target.auth) return opened;
    const { session } = opened;
    if (!session.secure && target.tls !== 'none') {
      void this.#quit(session);
      return {
        ok: false,
        failure: `${session.remote} did not set up TLS, so the relay credentials were not sent`,
        tlsFailed: false,
      };
    }
    const { user, pass } = target.auth;
    const login = await call<boolean>(session, (done) => session.connection.login({ user, pass }, done));
    if (login.ok) return opened;
    void this.#quit(session);
    return { ok: false, failure: `authentication failed: ${describeError(login.error)}`, tlsFailed: false };
  }

  #connectionOptions(target: SmtpTarget, plain: boolean): SMTPConnectionOptions {
    const { connectTimeoutMs, greetingTimeoutMs, socketTimeoutMs, extraCaCertificates } = this.#settings;
    const verify = target.tls === 'required' || target.tls === 'implicit';
    return {
      host: target.host,
      port: target.port,
      name: target.name,
      localAddress: target.localAddress,
      connectionTimeout: connectTimeoutMs,
      greetingTimeout: greetingTimeoutMs,
      socketTimeout: socketTimeoutMs,
      secure: target.tls === 'implicit',
      requireTLS: target.tls === 'required',
      ignoreTLS: plain,
      logger: false,
      tls: verify
        ? {
            rejectUnauthorized: true,
            ...(extraCaCertificates.length > 0 ? { ca: [...rootCertificates, ...extraCaCertificates] } : {}),
            ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
          }
        : // Opportunistic TLS is against passive eavesdropping only: any certificate will do.
          { rejectUnauthorized: false },
    };
  }

  #release(session: Session): void {
    const { maxIdlePerTarget, maxMessagesPerConnection, idleTimeoutMs } = this.#settings;
    const idle = this.#idle.get(session.key) ?? [];
    if (
      this.#closed ||
      session.closed ||
      session.connection.destroyed ||
      session.messages >= maxMessagesPerConnection ||
      idle.length >= maxIdlePerTarget
    ) {
      void this.#quit(session);
      return;
    }
    session.releasedAt = performance.now();
    idle.push(session);
    this.#idle.set(session.key, idle);
    session.idleTimer = setTimeout(() => void this.#quit(session), idleTimeoutMs);
    session.idleTimer.unref();
  }

  #unpark(session: Session): void {
    if (session.idleTimer) clearTimeout(session.idleTimer);
    session.idleTimer = null;
    const idle = this.#idle.get(session.key);
    const index = idle?.indexOf(session) ?? -1;
    if (idle && index !== -1) idle.splice(index, 1);
    if (idle?.length === 0) this.#idle.delete(session.key);
  }

  /** Sends QUIT, closes the socket if the server does not answer in time, resolves once it is gone. */
  #quit(session: Session): Promise<void> {
    this.#unpark(session);
    if (session.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => session.connection.close(), QUIT_GRACE_MS);
      timer.unref();
      session.connection.once('end', () => {
        clearTimeout(timer);
        resolve();
      });
      session.connection.quit();
    });
  }
}

type Called<T> = { ok: true; value: T } | { ok: false; error: SmtpClientError };

/**
 * Runs one SMTPConnection command with a callback. The connection forgets a pending command's
 * callback when the socket dies (all but send), so the end of the connection settles it too.
 */
function call<T>(
  session: Session,
  start: (done: (error: Error | null, value?: T) => void) => void,
): Promise<Called<T>> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Called<T>) => {
      if (settled) return;
      settled = true;
      session.connection.removeListener('end', onEnd);
      resolve(result);
    };
    const onEnd = () =>
      // After a 421 the connection ends first and hands the send its error right after.
      setImmediate(() =>
        finish({ ok: false, error: session.lastError ?? new Error('the connection was closed') }),
      );
    if (session.closed) return finish({ ok: false, error: new Error('the connection was closed') });
    session.connection.once('end', onEnd);
    try {
      start((error, value) =>
        finish(error ? { ok: false, error: error as SmtpClientError } : { ok: true, value: value as T }),
      );
    } catch (error) {
      finish({ ok: false, error: error as SmtpClientError });
    }
  });
}

/** A failed transaction as the port reports it (see the note at the top). */
function failureOf(error: SmtpClientError, secure: boolean): SmtpSendResult {
  const response = describeError(error);
  const code =
    error.responseCode ?? (typeof error.response === 'string' ? parseReply(error.response).code : null);
  if (code !== null) {
    // RFC 5321 §4.2.1: 5yz is permanent; 4yz and anything unexpected is worth another try.
    return { status: code >= 500 && code < 600 ? 'hard_fail' : 'soft_fail', code, response, secure };
  }
  // Refused before anything was sent: an address with CR, LF or angle brackets, or a message over
  // the size the server announced (RFC 1870). Another try would be refused the same way.
  if (error.code === 'EENVELOPE' || error.code === 'EMESSAGE') {
    return { status: 'hard_fail', code: null, response, secure };
  }
  return { status: 'soft_fail', code: null, response, secure };
}

/** Whether the server refused the message data itself, after its final dot (EMESSAGE on DATA). */
function failedAfterData(error: SmtpClientError): boolean {
  return error.code === 'EMESSAGE' && error.command === 'DATA' && typeof error.response === 'string';
}

/** The remote's reply when there was one, else what went wrong (with the system error code). */
function describeError(error: SmtpClientError): string {
  if (typeof error.response === 'string' && error.response.trim() !== '') return error.response.trim();
  const code = error.originalCode ?? error.code;
  const message = error.message || 'unknown error';
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

function isTlsFailure(error: SmtpClientError, connection: SMTPConnection): boolean {
  return (
    error.code === 'ETLS' ||
    connection.upgrading === true ||
    error.timeoutType === 'UPGRADE_TIMEOUT' ||
    /^ERR_(SSL|TLS)_/.test(error.originalCode ?? '')
  );
}

function endpointOf(target: SmtpTarget): string {
  return isIP(target.host) === 6 ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

/** Everything that makes a connection fit for a message; the password only as a hash. */
function keyOf(target: SmtpTarget): string {
  const auth = target.auth
    ? [target.auth.user, createHash('sha256').update(target.auth.pass).digest('base64url')]
    : [];
  return JSON.stringify([
    target.host,
    target.port,
    target.localAddress ?? '',
    target.name,
    target.tls,
    ...auth,
  ]);
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
