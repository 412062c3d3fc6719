import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { afterEach, before, describe, it } from 'node:test';
import type { TlsMaterial } from '../../../smtp-edge/tls-certificate.ts';
import { testCertificate } from '../../helpers/test-certificate.ts';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { SmtpSendResult, SmtpTarget } from '../../../core/ports.ts';
import { NodemailerTransport } from '../../../smtp-edge/delivery/nodemailer-transport.ts';
import { MemoryLogger } from '../../fakes/memory-logger.ts';
import { smtpTransportContract } from '../../core/ports/smtp-transport.contract.ts';

// The transport against real smtp-server instances on loopback standing in for remote MX hosts
// and relays (STYLE habit 8), plus a raw socket server for a STARTTLS that breaks mid-handshake:
// the port's contract, then what is this adapter's own (TLS fallback, relays, timeouts,
// SMTPUTF8, connection reuse).

smtpTransportContract('NodemailerTransport', async () => {
  const transport = new NodemailerTransport({ logger: new MemoryLogger() });
  return { transport, cleanup: () => transport.close() };
});

let tls: TlsMaterial;

before(async () => {
  tls = await testCertificate('mx.test', { loopback: true });
});

interface Received {
  from: string;
  to: string[];
  body: string;
  secure: boolean;
  smtputf8: boolean;
}

interface RemoteMx {
  port: number;
  /** TCP connections accepted. */
  connections: number;
  /** MAIL FROM commands seen, over all connections. */
  transactions: number;
  /** RSET commands seen on connections without TLS (read off the socket). */
  resets: number;
  messages: Received[];
  dropAll(): void;
  close(): Promise<void>;
}

type Rcpt = (address: string) => { code: number; message: string } | 'drop' | null;

async function startRemoteMx(
  options: {
    tls?: boolean;
    secure?: boolean;
    smtputf8?: boolean;
    rcpt?: Rcpt;
    auth?: { user: string; pass: string };
  } = {},
): Promise<RemoteMx> {
  const sockets = new Set<Socket>();
  const remote: RemoteMx = {
    port: 0,
    connections: 0,
    transactions: 0,
    resets: 0,
    messages: [],
    dropAll: () => sockets.forEach((socket) => socket.destroy()),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const serverOptions: SMTPServerOptions = {
    secure: options.secure ?? false,
    ...(options.tls || options.secure ? { key: tls.key, cert: tls.cert } : {}),
    hideSTARTTLS: !options.tls,
    hideSMTPUTF8: options.smtputf8 === false,
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 100,
    authOptional: !options.auth,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      const ok = options.auth && auth.username === options.auth.user && auth.password === options.auth.pass;
      if (ok) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onMailFrom(_address, _session, callback) {
      remote.transactions += 1;
      callback();
    },
    onRcptTo(address, _session, callback) {
      const verdict = options.rcpt?.(address.address) ?? null;
      if (verdict === 'drop') {
        remote.dropAll();
        return;
      }
      if (verdict) callback(Object.assign(new Error(verdict.message), { responseCode: verdict.code }));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        remote.messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          body: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          smtputf8: Boolean(session.envelope.smtpUtf8),
        });
        callback(null, 'queued as TEST1');
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  server.server.on('connection', (socket: Socket) => {
    remote.connections += 1;
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => {
      remote.resets += chunk.toString('latin1').match(/^RSET\r\n/gim)?.length ?? 0;
    });
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  remote.port = (server.server.address() as { port: number }).port;
  return remote;
}

/** Offers STARTTLS, then answers the TLS handshake with plain text; without STARTTLS it accepts mail. */
async function startBrokenTlsMx(): Promise<{
  port: number;
  connections: number;
  messages: string[];
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  const state = { port: 0, connections: 0, messages: [] as string[], close: async () => {} };
  const server = createServer((socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = '';
    let data: string | null = null;
    let broken = false;
    socket.write('220 broken.test ESMTP\r\n');
    socket.on('data', (chunk) => {
      if (broken) {
        // The client's TLS ClientHello: answer it with something that is not TLS.
        socket.end('this is not a TLS server hello at all\r\n');
        return;
      }
      buffer += chunk.toString('latin1');
      for (let end = buffer.indexOf('\r\n'); end !== -1; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data !== null) {
          if (line === '.') {
            state.messages.push(data);
            data = null;
            socket.write('250 2.0.0 queued\r\n');
          } else data += `${line}\r\n`;
          continue;
        }
        const verb = line.split(' ')[0]?.toUpperCase();
        if (verb === 'EHLO') socket.write('250-broken.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n');
        else if (verb === 'STARTTLS') {
          broken = true;
          socket.write('220 2.0.0 Go ahead\r\n');
        } else if (verb === 'DATA') {
          data = '';
          socket.write('354 go on\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 2.0.0 ok\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.port = (server.address() as { port: number }).port;
  state.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

const MESSAGE = Buffer.from(
  'From: sender@example.com\r\nTo: rcpt@example.org\r\nSubject: Hello\r\n\r\nHello there.\r\n',
);
const UTF8_MESSAGE = Buffer.from(
  'From: sender@example.com\r\nTo: rcpt@example.org\r\nSubject: Grüße aus Köln\r\n\r\nHallo.\r\n',
);
const ENVELOPE = { from: 'bounces@rp.example.com', to: 'rcpt@example.org' };

const codeOf = (result: SmtpSendResult): number | null | undefined =>
  result.status === 'sent' ? undefined : result.code;

const target = (port: number, overrides: Partial<SmtpTarget> = {}): SmtpTarget => ({
  host: '127.0.0.1',
  port,
  name: 'out.postern.test',
  tls: 'opportunistic',
  ...overrides,
});

void describe('NodemailerTransport beyond the contract', () => {
  const cleanups: (() => Promise<void>)[] = [];
  const track = <T extends { close(): Promise<void> }>(thing: T): T => {
    cleanups.push(() => thing.close());
    return thing;
  };
  const transport = (options: Partial<ConstructorParameters<typeof NodemailerTransport>[0]> = {}) =>
    track(new NodemailerTransport({ logger: new MemoryLogger(), ...options }));

  afterEach(async () => {
    // Transports first (they QUIT), then the servers.
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  void it('retries the same host without TLS when the STARTTLS handshake fails (Postal Auto)', async () => {
    const mx = track(await startBrokenTlsMx());
    const logger = new MemoryLogger();
    const client = transport({ logger });
    const result = await client.send(target(mx.port), ENVELOPE, MESSAGE);
    assert.equal(result.status, 'sent');
    assert.equal(result.secure, false);
    assert.equal(mx.connections, 2);
    assert.equal(client.connectionsOpened, 2);
    assert.equal(mx.messages.length, 1);
    assert.ok(logger.has('warn', 'STARTTLS failed, retrying without TLS'));
  });

  void it('names the system error of a refused connection', async () => {
    const mx = await startRemoteMx();
    await mx.close();
    const result = await transport().send(target(mx.port), ENVELOPE, MESSAGE);
    assert.deepEqual([result.status, codeOf(result)], ['soft_fail', null]);
    assert.match(result.response, /ECONNREFUSED/);
  });

  void it('reports a dropped connection as a soft failure without a code', async () => {
    const mx = track(await startRemoteMx({ rcpt: () => 'drop' }));
    const result = await transport().send(target(mx.port), ENVELOPE, MESSAGE);
    assert.equal(result.status, 'soft_fail');
    assert.equal(codeOf(result), null);
  });

  void it('times out a server that never greets', async () => {
    const silent = createServer(() => {});
    const sockets = new Set<Socket>();
    silent.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const port = (silent.address() as { port: number }).port;
    const result = await transport({ greetingTimeoutMs: 200 }).send(target(port), ENVELOPE, MESSAGE);
    assert.equal(result.status, 'soft_fail');
    assert.equal(codeOf(result), null);
    assert.match(result.response, /Greeting never received/);
  });

  void it('refuses a message that needs SMTPUTF8 when the server does not offer it', async () => {
    const mx = track(await startRemoteMx({ smtputf8: false }));
    const result = await transport().send(target(mx.port), ENVELOPE, UTF8_MESSAGE);
    assert.equal(result.status, 'hard_fail');
    assert.equal(codeOf(result), null);
    assert.match(
      result.response,
      new RegExp(`needs SMTPUTF8 .* but 127\\.0\\.0\\.1:${mx.port} does not offer it`),
    );
    assert.equal(mx.transactions, 0, 'nothing was sent');
  });

  void it('sends a message that needs SMTPUTF8 to a server that offers it', async () => {
    const mx = track(await startRemoteMx({ smtputf8: true }));
    const result = await transport().send(
      target(mx.port),
      { ...ENVELOPE, to: 'jörg@example.org' },
      UTF8_MESSAGE,
    );
    assert.equal(result.status, 'sent');
    assert.deepEqual(mx.messages[0]?.to, ['jörg@example.org']);
    assert.equal(mx.messages[0]?.smtputf8, true);
  });

  void describe('relays', () => {
    const auth = { user: 'relay-user', pass: 'relay-secret' };

    void it('authenticates over required STARTTLS, verifying the certificate', async () => {
      const relay = track(await startRemoteMx({ tls: true, auth }));
      const result = await transport({ extraCaCertificates: [tls.cert] }).send(
        target(relay.port, { tls: 'required', auth }),
        ENVELOPE,
        MESSAGE,
      );
      assert.deepEqual([result.status, result.secure], ['sent', true]);
      assert.equal(relay.messages.length, 1);
    });

    void it('authenticates over implicit TLS', async () => {
      const relay = track(await startRemoteMx({ secure: true, auth }));
      const result = await transport({ extraCaCertificates: [tls.cert] }).send(
        target(relay.port, { tls: 'implicit', auth }),
        ENVELOPE,
        MESSAGE,
      );
      assert.deepEqual([result.status, result.secure], ['sent', true]);
    });

    void it('does not trust a certificate it cannot verify', async () => {
      const relay = track(await startRemoteMx({ tls: true, auth }));
      const result = await transport().send(target(relay.port, { tls: 'required', auth }), ENVELOPE, MESSAGE);
      assert.equal(result.status, 'soft_fail');
      assert.equal(codeOf(result), null);
      assert.match(result.response, /self-signed|certificate/i);
      assert.equal(relay.transactions, 0);
    });

    void it('reports wrong credentials as a failure to connect, with the reply', async () => {
      const relay = track(await startRemoteMx({ tls: true, auth }));
      const result = await transport({ extraCaCertificates: [tls.cert] }).send(
        target(relay.port, { tls: 'required', auth: { ...auth, pass: 'wrong' } }),
        ENVELOPE,
        MESSAGE,
      );
      assert.equal(result.status, 'soft_fail');
      assert.equal(codeOf(result), null);
      assert.match(result.response, /^authentication failed: 535/);
    });

    void it('never sends credentials without TLS', async () => {
      const relay = track(await startRemoteMx({ tls: false, auth }));
      const result = await transport().send(
        target(relay.port, { tls: 'opportunistic', auth }),
        ENVELOPE,
        MESSAGE,
      );
      assert.equal(result.status, 'soft_fail');
      assert.match(result.response, /credentials were not sent/);
    });
  });

  void describe('connection reuse', () => {
    void it('sends two messages to the same destination over one connection', async () => {
      const mx = track(await startRemoteMx({ tls: true }));
      const client = transport();
      const first = await client.send(target(mx.port), ENVELOPE, MESSAGE);
      const second = await client.send(target(mx.port), { ...ENVELOPE, to: 'other@example.org' }, MESSAGE);
      assert.deepEqual([first.status, second.status], ['sent', 'sent']);
      assert.deepEqual([second.secure], [true]);
      assert.equal(mx.connections, 1);
      assert.equal(client.connectionsOpened, 1);
      assert.equal(mx.messages.length, 2);
    });

    void it('reuses a connection after a refused recipient (RSET clears the transaction)', async () => {
      const mx = track(
        await startRemoteMx({
          rcpt: (address) => (address.startsWith('bad') ? { code: 550, message: 'No such user' } : null),
        }),
      );
      const client = transport();
      const refused = await client.send(target(mx.port), { ...ENVELOPE, to: 'bad@example.org' }, MESSAGE);
      const accepted = await client.send(target(mx.port), ENVELOPE, MESSAGE);
      assert.deepEqual([refused.status, accepted.status], ['hard_fail', 'sent']);
      assert.equal(mx.connections, 1);
      assert.equal(mx.resets, 1);
    });

    void it('sends the next message at once after a transaction the server answered in full, and asks with RSET after a pause', async () => {
      const mx = track(await startRemoteMx());
      const client = transport();
      for (let index = 0; index < 3; index += 1) {
        assert.equal((await client.send(target(mx.port), ENVELOPE, MESSAGE)).status, 'sent');
      }
      assert.deepEqual([mx.connections, mx.transactions, mx.resets], [1, 3, 0]);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.equal((await client.send(target(mx.port), ENVELOPE, MESSAGE)).status, 'sent');
      assert.deepEqual([mx.connections, mx.transactions, mx.resets], [1, 4, 1]);
    });

    void it('opens a new connection for another source address or HELO name', async () => {
      const mx = track(await startRemoteMx());
      const client = transport();
      await client.send(target(mx.port), ENVELOPE, MESSAGE);
      await client.send(target(mx.port, { name: 'other.postern.test' }), ENVELOPE, MESSAGE);
      await client.send(target(mx.port, { localAddress: '127.0.0.4' }), ENVELOPE, MESSAGE);
      assert.equal(mx.connections, 3);
    });

    void it('opens a new connection when the server closed the idle one', async () => {
      const mx = track(await startRemoteMx());
      const client = transport();
      await client.send(target(mx.port), ENVELOPE, MESSAGE);
      mx.dropAll();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const result = await client.send(target(mx.port), ENVELOPE, MESSAGE);
      assert.equal(result.status, 'sent');
      assert.equal(mx.connections, 2);
    });

    void it('closes idle connections after the idle timeout', async () => {
      const mx = track(await startRemoteMx());
      const client = transport({ idleTimeoutMs: 50 });
      await client.send(target(mx.port), ENVELOPE, MESSAGE);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await client.send(target(mx.port), ENVELOPE, MESSAGE);
      assert.equal(mx.connections, 2);
    });

    void it('caps the messages sent over one connection', async () => {
      const mx = track(await startRemoteMx());
      const client = transport({ maxMessagesPerConnection: 2 });
      for (let index = 0; index < 5; index += 1) await client.send(target(mx.port), ENVELOPE, MESSAGE);
      assert.equal(mx.messages.length, 5);
      assert.equal(mx.connections, 3);
    });
  });
});
