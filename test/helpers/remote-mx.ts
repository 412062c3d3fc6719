import type { Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';

// A remote MX for delivery tests: a real smtp-server on 127.0.0.1, port 0, that records what it
// receives and answers RCPT TO and end of DATA as the test scripts it.

export type Verdict = { code: number; message: string } | null;

export interface RemoteMx {
  port: number;
  connections: number;
  /** Messages that reached the end of DATA, whatever the answer: one per delivery attempt. */
  transactions: number;
  /** Messages received whole whose answer is still being held back (dataDelayMs). */
  pending: number;
  /** Every message the remote accepted (answered 250), in order. */
  messages: {
    to: string[];
    from: string;
    body: string;
    secure: boolean;
    /** The name the client gave in EHLO or HELO. */
    helo: string;
    /** The address the client connected from. */
    remoteAddress: string;
    /** When the 250 was said (epoch ms). */
    acceptedAt: number;
    /** When the connection it came through was opened (epoch ms). */
    connectedAt: number;
  }[];
  close(): Promise<void>;
}

export interface RemoteMxOptions {
  /** Key and certificate to offer STARTTLS with; no STARTTLS without. */
  tls?: { key: string; cert: string };
  smtputf8?: boolean;
  rcpt?: (address: string) => Verdict;
  /** The answer to the end of DATA for the nth message (from 1); accepted when null. */
  data?: (n: number) => Verdict;
  auth?: { user: string; pass: string };
  /** How long the 250 after DATA takes; read for each message, so a test may change it. */
  dataDelayMs?: number;
  /** Where to listen: 127.0.0.1 unless given ('::' takes both families). */
  host?: string;
}

export async function startRemoteMx(options: RemoteMxOptions = {}): Promise<RemoteMx> {
  const sockets = new Set<Socket>();
  const closed = new Set<string>();
  const connectedAt = new Map<string, number>();
  const remote: RemoteMx = {
    port: 0,
    connections: 0,
    transactions: 0,
    pending: 0,
    messages: [],
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = new SMTPServer({
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    hideSTARTTLS: !options.tls,
    hideSMTPUTF8: options.smtputf8 === false,
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 100,
    authOptional: !options.auth,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
        callback(null, { user: auth.username });
      } else callback(Object.assign(new Error('Invalid credentials'), { responseCode: 535 }));
    },
    onConnect(session, callback) {
      connectedAt.set(session.id, Date.now());
      callback();
    },
    onClose(session) {
      closed.add(session.id);
    },
    onRcptTo(address, _session, callback) {
      const verdict = options.rcpt?.(address.address) ?? null;
      if (verdict) callback(Object.assign(new Error(verdict.message), { responseCode: verdict.code }));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        remote.transactions += 1;
        const verdict = options.data?.(remote.transactions) ?? null;
        if (verdict) {
          callback(Object.assign(new Error(verdict.message), { responseCode: verdict.code }));
          return;
        }
        const message = {
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          body: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          helo: session.hostNameAppearsAs,
          remoteAddress: session.remoteAddress,
        };
        // Recorded as it is accepted: a message counts as delivered once the 250 is said, and a
        // client gone before that never completed the transaction (RFC 5321 §6.1).
        remote.pending += 1;
        setTimeout(() => {
          remote.pending -= 1;
          if (!closed.has(session.id)) {
            const opened = connectedAt.get(session.id) ?? Date.now();
            remote.messages.push({ ...message, acceptedAt: Date.now(), connectedAt: opened });
          }
          callback(null, 'queued as REMOTE1');
        }, options.dataDelayMs ?? 0);
      });
    },
  });
  // A client that dies mid-session (a killed platform) resets its connection; that is expected here.
  server.on('error', () => undefined);
  server.server.on('connection', (socket: Socket) => {
    remote.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', () => resolve()));
  remote.port = (server.server.address() as { port: number }).port;
  return remote;
}
