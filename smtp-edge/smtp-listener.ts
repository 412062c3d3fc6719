import { createServer, type AddressInfo, type Socket } from 'node:net';
import { format } from 'node:util';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { PolicyIndex } from '../core/policy/policy-index.ts';
import type { Clock, Logger } from '../core/ports.ts';
import { AuthThrottle } from './auth-throttle.ts';
import type { MessageAcceptor } from './message-acceptor.ts';
import { translateProxyV2 } from './proxy-protocol.ts';
import {
  REPLIES,
  decideAuth,
  decideData,
  decideMailFrom,
  decideRcptTo,
  queuedReply,
  receivedHeader,
  type RecipientDecision,
  type SessionAuth,
  type SessionState,
  type SmtpReply,
} from './session-policy.ts';

// smtp-server speaks the protocol; every decision is session-policy's. This file only adapts
// hooks to decisions, keeps the message until the acceptor has made it durable, and owns the
// socket lifecycle (PROXY v2, shutdown).

export interface SmtpListenerOptions {
  host: string;
  /** 0 picks a free port; the listener reports the one it got. */
  port: number;
  /** Implicit TLS (port 465); otherwise STARTTLS is offered. */
  secure: boolean;
  tls: { key: string; cert: string };
  /** Banner, EHLO and Received header name. */
  hostname: string;
  index: () => PolicyIndex | null;
  accept: MessageAcceptor;
  logger: Logger;
  clock: Clock;
  /** Every connection starts with a PROXY header, v1 or v2 (behind a load balancer). */
  proxyProtocol?: boolean;
  /** 14 MB by default, as Postal. */
  maxSize?: number;
  /** Shared by the listeners of one edge, so both ports count the same failures. */
  throttle?: AuthThrottle;
  /** Reverse DNS for Received headers; without it the client's address is written. */
  reverseLookup?: (ip: string) => Promise<string[]>;
  /** How long close() waits for sessions in flight before cutting them; 30,000 ms by default. */
  closeTimeoutMs?: number;
  /** Idle time after which a client is dropped; 60,000 ms by default. */
  socketTimeoutMs?: number;
  /** Called as each message starts to arrive (DATA). */
  onMessage?: () => void;
}

export interface SmtpListener {
  port: number;
  /** Stops accepting, lets sessions in flight finish (up to closeTimeoutMs), then cuts the rest. */
  close(): Promise<void>;
}

export const MAX_MESSAGE_SIZE = 14 * 1024 * 1024;

const defaults = {
  proxyProtocol: false,
  maxSize: MAX_MESSAGE_SIZE,
  closeTimeoutMs: 30_000,
  socketTimeoutMs: 60_000,
};

export async function startSmtpListener(options: SmtpListenerOptions): Promise<SmtpListener> {
  // `??` rather than spreading, so an option passed as undefined still gets its default.
  const settings = {
    ...options,
    proxyProtocol: options.proxyProtocol ?? defaults.proxyProtocol,
    maxSize: options.maxSize ?? defaults.maxSize,
    closeTimeoutMs: options.closeTimeoutMs ?? defaults.closeTimeoutMs,
    socketTimeoutMs: options.socketTimeoutMs ?? defaults.socketTimeoutMs,
  };
  const { hostname, index, accept, clock, maxSize } = settings;
  const logger = options.logger.child({ component: 'smtp-listener', secure: settings.secure });
  const throttle = settings.throttle ?? new AuthThrottle({ clock });
  const transactions = new WeakMap<object, Map<string, RecipientDecision>>();
  const inFlight = new Set<Promise<unknown>>();
  const sessionLog = (session: SMTPServerSession): Logger => logger.child({ sessionId: session.id });

  const smtp = new SMTPServer({
    secure: settings.secure,
    key: settings.tls.key,
    cert: settings.tls.cert,
    name: hostname,
    banner: 'Postern',
    size: maxSize,
    authMethods: ['PLAIN', 'LOGIN'],
    // Unauthenticated sessions deliver to routes; the RCPT policy refuses relaying.
    authOptional: true,
    // smtp-server would answer AUTH in clear with its own 538 text; decideAuth answers instead.
    allowInsecureAuth: true,
    useProxy: settings.proxyProtocol,
    disableReverseLookup: !settings.reverseLookup,
    ...(settings.reverseLookup ? { resolver: resolverFrom(settings.reverseLookup) } : {}),
    socketTimeout: settings.socketTimeoutMs,
    closeTimeout: settings.closeTimeoutMs,
    logger: smtpServerLogger(logger),

    onConnect(session, callback) {
      sessionLog(session).info('smtp connection', { clientIp: session.remoteAddress });
      callback();
    },

    onAuth(auth, session, callback) {
      const log = sessionLog(session);
      const key = AuthThrottle.key(session.remoteAddress);
      if (throttle.isBlocked(key)) {
        log.warn('smtp auth throttled', { clientIp: session.remoteAddress, username: auth.username });
        return callback(replyError(REPLIES.tooManyAuthFailures));
      }
      const decision = decideAuth(index(), stateOf(session), {
        mechanism: auth.method,
        password: auth.password ?? '',
      });
      if (!decision.ok) {
        if (decision.reply === REPLIES.invalidCredential) throttle.recordFailure(key);
        log.warn('smtp auth refused', { code: decision.reply.code, reason: decision.reply.message });
        return callback(replyError(decision.reply));
      }
      // smtp-server answers `235 Authentication successful` itself; the text is not ours to set.
      log.info('smtp auth granted', {
        serverId: decision.auth.serverId,
        credentialId: decision.auth.credentialId,
      });
      callback(null, { user: decision.auth });
    },

    onMailFrom(address, session, callback) {
      const decision = decideMailFrom(index(), stateOf(session), { address: address.address });
      if (!decision.ok) {
        sessionLog(session).info('smtp mail from refused', { code: decision.reply.code });
        return callback(replyError(decision.reply));
      }
      callback();
    },

    onRcptTo(address, session, callback) {
      const decision = decideRcptTo(index(), stateOf(session), { address: address.address });
      if (!decision.ok) {
        sessionLog(session).info('smtp recipient refused', {
          code: decision.reply.code,
          recipient: address.address,
        });
        return callback(replyError(decision.reply));
      }
      // An SMTP-IP match authenticates the whole session, as in Postal.
      if (decision.auth && !session.user) session.user = decision.auth;
      recipientsOf(session).set(address.address.toLowerCase(), decision.recipient);
      callback();
    },

    onData(stream, session, callback) {
      settings.onMessage?.();
      const done = (reply: SmtpReply): void =>
        reply.code < 400 ? callback(null, replyText(reply)) : callback(replyError(reply));
      const work = receive(stream, maxSize)
        .then(({ message, size }) => finishData(session, message, size))
        .then(done, (error: unknown) => {
          sessionLog(session).warn('smtp data failed', { error });
          done(REPLIES.acceptFailed);
        });
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    },
  });
  smtp.on('error', (error) => logger.debug('smtp-server error', { error }));

  async function finishData(session: SMTPServerSession, message: Buffer, size: number): Promise<SmtpReply> {
    const log = sessionLog(session);
    const state = stateOf(session);
    const decision = decideData(index(), state, { message, size, maxSize, hostname });
    if (!decision.ok) {
      log.info('smtp message refused', { code: decision.reply.code, size });
      return decision.reply;
    }
    const header = receivedHeader({
      helo: session.hostNameAppearsAs || null,
      clientHostname:
        session.clientHostname && !session.clientHostname.startsWith('[') ? session.clientHostname : null,
      clientIp: session.remoteAddress,
      hostname,
      esmtp: session.openingCommand === 'EHLO',
      secure: session.secure,
      authenticated: state.auth?.method === 'password',
      privacy: decision.server?.privacyMode ?? false,
      now: clock.now(),
    });
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const result = await accept({
      raw: Buffer.concat([Buffer.from(header, 'utf8'), message]),
      mailFrom,
      recipients: [...recipientsOf(session).values()],
      auth: state.auth,
      senderDomainId: decision.senderDomainId,
      tls: session.secure,
      clientIp: session.remoteAddress,
      sessionId: session.id,
    });
    return result.ok ? queuedReply(result.messageIds) : result.reply;
  }

  function recipientsOf(session: SMTPServerSession): Map<string, RecipientDecision> {
    // smtp-server replaces the envelope object on RSET, EHLO and after each message, so keying
    // by it scopes the recipients to one transaction.
    let recipients = transactions.get(session.envelope);
    if (!recipients) {
      recipients = new Map();
      transactions.set(session.envelope, recipients);
    }
    return recipients;
  }

  const sockets = new Set<Socket>();
  const front = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // smtp-server attaches its own handlers a tick later; a reset before then must not crash.
    socket.on('error', () => undefined);
    if (!settings.proxyProtocol) return handOver(socket);
    translateProxyV2(socket, {}, (error) => {
      if (error) return logger.info('PROXY header refused', { error, peer: socket.remoteAddress });
      handOver(socket);
    });
  });
  // smtp-server's own server never listens: accepted sockets are handed to its connection
  // handler, which runs the PROXY v1 reader and the implicit TLS handshake as usual.
  const handOver = (socket: Socket): boolean => smtp.server.emit('connection', socket);

  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(settings.port, settings.host, () => {
      front.off('error', reject);
      resolve();
    });
  });
  front.on('error', (error) => logger.error('smtp listener error', { error }));
  const port = (front.address() as AddressInfo).port;
  logger.info('smtp listening', { host: settings.host, port, proxyProtocol: settings.proxyProtocol });

  let closing: Promise<void> | null = null;
  return {
    port,
    close() {
      closing ??= (async () => {
        const drained = new Promise<void>((resolve) => front.close(() => resolve()));
        // Sessions now get 421 at their next command; a DATA being accepted still gets its answer.
        smtp.close();
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<'deadline'>((resolve) => {
          timer = setTimeout(() => resolve('deadline'), settings.closeTimeoutMs);
        });
        const outcome = await Promise.race([Promise.all([drained, ...inFlight]), deadline]);
        clearTimeout(timer);
        if (outcome === 'deadline') {
          logger.warn('smtp sessions cut at shutdown', {
            sessions: smtp.connections.size,
            accepting: inFlight.size,
          });
          // RFC 3463 §3.4 X.3.2 System not accepting network messages.
          for (const connection of smtp.connections) connection.send(421, '4.3.2 Server shutting down');
          for (const socket of sockets) socket.destroy();
        }
        await drained;
        logger.info('smtp listener closed', { port });
      })();
      return closing;
    },
  };
}

function stateOf(session: SMTPServerSession): SessionState {
  return {
    secure: session.secure,
    clientIp: session.remoteAddress,
    auth: session.user ? (session.user as SessionAuth) : null,
  };
}

/** Reads the message, keeping at most maxSize + 1 bytes: the rest only counts towards the 552. */
function receive(stream: SMTPServerDataStream, maxSize: number): Promise<{ message: Buffer; size: number }> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let kept = 0;
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (kept > maxSize) return;
      chunks.push(chunk);
      kept += chunk.length;
      if (kept > maxSize) chunks = [];
    });
    stream.once('end', () => resolve({ message: Buffer.concat(chunks), size }));
    stream.once('error', reject);
  });
}

function replyText(reply: SmtpReply): string {
  return `${reply.enhanced} ${reply.message}`;
}

/** smtp-server writes `<responseCode> <message>`; enhanced codes are ours, so they go in the text. */
function replyError(reply: SmtpReply): Error & { responseCode: number } {
  return Object.assign(new Error(replyText(reply)), { responseCode: reply.code });
}

function resolverFrom(lookup: (ip: string) => Promise<string[]>) {
  return {
    reverse(ip: string, callback: (error: Error | null, hostnames?: string[]) => void): void {
      lookup(ip).then(
        (hostnames) => callback(null, hostnames),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    },
  };
}

/** smtp-server's bunyan-style log calls, as debug lines of the edge's logger with the session id. */
function smtpServerLogger(logger: Logger) {
  const write =
    (level: 'debug' | 'warn') =>
    (entry: Record<string, unknown>, message: string, ...args: unknown[]): void => {
      const { cid, ...fields } = entry ?? {};
      logger[level](format(message, ...args), { ...fields, ...(cid ? { sessionId: cid } : {}) });
    };
  return {
    trace: write('debug'),
    debug: write('debug'),
    info: write('debug'),
    warn: write('warn'),
    // Its errors are client sockets failing; the edge itself is fine.
    error: write('debug'),
    fatal: write('warn'),
  };
}
