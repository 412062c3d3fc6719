import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import nodemailer from 'nodemailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { AcceptedMessage, INGEST_QUEUE } from '../../core/messages/accepted-message.ts';
import { SnapshotReader } from '../../core/policy/snapshot-reader.ts';
import { createMessageAcceptor, type MessageAcceptor } from '../../smtp-edge/message-acceptor.ts';
import { startSmtpListener, type SmtpListenerOptions } from '../../smtp-edge/smtp-listener.ts';
import { loadTlsCertificate, type TlsMaterial } from '../../smtp-edge/tls-certificate.ts';
import { ManualClock } from '../fakes/manual-clock.ts';
import { MemoryBlobStore } from '../fakes/memory-blob-store.ts';
import { MemoryLogger } from '../fakes/memory-logger.ts';
import { MemoryQueue } from '../fakes/memory-queue.ts';
import { SequentialIds } from '../fakes/sequential-ids.ts';
import { HOSTNAME, ROUTE_ID, SERVER_ID, SMTP_KEY, testSnapshot } from '../helpers/policy-fixtures.ts';
import { ipv4Block, proxyV2Header } from '../helpers/proxy-v2-header.ts';

// The edge over loopback (STYLE habit 8): nodemailer as the client, raw sockets for the abuse
// cases, and in-memory fakes of the ports behind it.

const fixture = readFileSync(new URL('./fixtures/from-example.eml', import.meta.url));
let tls: TlsMaterial;
let tlsDir: string;

before(async () => {
  tlsDir = await mkdtemp(join(tmpdir(), 'postern-edge-tls-'));
  tls = await loadTlsCertificate({ hostname: HOSTNAME, cacheDir: tlsDir, now: Date.UTC(2026, 10, 25) });
});
after(() => rm(tlsDir, { recursive: true, force: true }));

interface Harness {
  port: number;
  blobs: MemoryBlobStore;
  queue: MemoryQueue;
  logger: MemoryLogger;
  clock: ManualClock;
  reader: SnapshotReader;
  envelopes(): AcceptedMessage[];
  close(): Promise<void>;
}

async function startHarness(
  options: Partial<SmtpListenerOptions> & {
    snapshot?: boolean;
    wrapAccept?: (accept: MessageAcceptor) => MessageAcceptor;
  } = {},
): Promise<Harness> {
  const blobs = new MemoryBlobStore();
  const queue = new MemoryQueue();
  const logger = new MemoryLogger();
  const clock = new ManualClock();
  const reader = new SnapshotReader({ blobs, logger });
  if (options.snapshot !== false) reader.offer(testSnapshot());
  const accept = createMessageAcceptor({ blobs, queue, ids: new SequentialIds(1000), clock, logger });
  const listener = await startSmtpListener({
    host: '127.0.0.1',
    port: 0,
    secure: false,
    tls,
    hostname: HOSTNAME,
    index: () => reader.current(),
    accept: options.wrapAccept ? options.wrapAccept(accept) : accept,
    logger,
    clock,
    closeTimeoutMs: 2000,
    ...options,
  });
  return {
    port: listener.port,
    blobs,
    queue,
    logger,
    clock,
    reader,
    envelopes: () => queue.sent(INGEST_QUEUE).map((body) => AcceptedMessage.parse(JSON.parse(body))),
    close: () => listener.close(),
  };
}

interface SendOptions {
  secure?: boolean;
  pass?: string;
  ignoreTLS?: boolean;
  from?: string;
  to?: string[];
  raw?: Buffer | string;
}

type SendOutcome = { ok: true; response: string } | { ok: false; code: number | undefined; response: string };

async function send(port: number, options: SendOptions = {}): Promise<SendOutcome> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: options.secure ?? false,
    ignoreTLS: options.ignoreTLS ?? false,
    requireTLS: !options.ignoreTLS && !options.secure,
    name: 'client.test',
    tls: { rejectUnauthorized: false },
    ...(options.pass === undefined ? {} : { auth: { user: 'acme/mail', pass: options.pass } }),
  });
  try {
    const info = await transport.sendMail({
      envelope: { from: options.from ?? 'alice@example.com', to: options.to ?? ['bob@recipient.test'] },
      raw: options.raw ?? fixture,
    });
    return { ok: true, response: info.response };
  } catch (error) {
    const failure = error as { responseCode?: number; response?: string; message: string };
    return { ok: false, code: failure.responseCode, response: failure.response ?? failure.message };
  } finally {
    transport.close();
  }
}

/** A line-level SMTP client for what nodemailer will not send. */
class RawClient {
  #socket: Socket;
  #buffer = '';
  #waiting: (() => void) | null = null;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      this.#waiting?.();
    });
  }

  static async open(port: number, options: { prefix?: Buffer; tls?: boolean } = {}): Promise<RawClient> {
    const plain = netConnect(port, '127.0.0.1');
    await new Promise((resolve, reject) => plain.once('connect', resolve).once('error', reject));
    if (options.prefix) plain.write(options.prefix);
    if (!options.tls) return new RawClient(plain);
    const secure = tlsConnect({ socket: plain, rejectUnauthorized: false, servername: HOSTNAME });
    await new Promise((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    return new RawClient(secure);
  }

  /** One whole reply, multi-line ones included. */
  async reply(timeoutMs = 3000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = /^\d{3} .*\r\n/m.exec(this.#buffer);
      if (end) {
        const length = end.index + end[0].length;
        const reply = this.#buffer.slice(0, length);
        this.#buffer = this.#buffer.slice(length);
        return reply.trimEnd();
      }
      if (Date.now() > deadline) throw new Error(`no reply; buffered: ${JSON.stringify(this.#buffer)}`);
      await new Promise<void>((resolve) => {
        this.#waiting = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  write(data: string | Buffer): void {
    this.#socket.write(data);
  }

  async command(line: string): Promise<string> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  close(): void {
    this.#socket.destroy();
  }
}

void describe('SMTP listener', () => {
  void it('greets as Postern and advertises SIZE, PIPELINING, 8BITMIME, SMTPUTF8, STARTTLS and AUTH PLAIN LOGIN', async () => {
    const edge = await startHarness();
    try {
      const client = await RawClient.open(edge.port);
      assert.equal(await client.reply(), `220 ${HOSTNAME} ESMTP Postern`);
      const ehlo = await client.command('EHLO client.test');
      for (const extension of [
        'PIPELINING',
        '8BITMIME',
        'SMTPUTF8',
        'STARTTLS',
        'AUTH PLAIN LOGIN',
        'SIZE 14680064',
      ]) {
        assert.match(ehlo, new RegExp(`^250[- ]${extension}$`, 'm'));
      }
      assert.doesNotMatch(ehlo, /CRAM-MD5/);
      client.close();
    } finally {
      await edge.close();
    }
  });

  void it('accepts AUTH PLAIN over STARTTLS, answers 250 only once the blob and the ingest envelope exist', async () => {
    const edge = await startHarness();
    try {
      const outcome = await send(edge.port, { pass: SMTP_KEY });
      assert.deepEqual(outcome, { ok: true, response: '250 2.0.0 OK queued as 1000' });
      const [envelope, ...others] = edge.envelopes();
      assert.equal(others.length, 0);
      assert.equal(envelope?.serverId, SERVER_ID);
      assert.equal(envelope?.tls, true);
      assert.equal(envelope?.clientIp, '127.0.0.1');
      assert.deepEqual(
        envelope?.recipients.map(({ address, kind }) => ({ address, kind })),
        [{ address: 'bob@recipient.test', kind: 'outgoing' }],
      );
      const stored = edge.blobs.text(envelope!.rawKey)!;
      assert.equal(
        stored,
        `Received: from client.test (127.0.0.1 [127.0.0.1])\r\n\tby ${HOSTNAME} with ESMTPSA; Wed, 25 Nov 2026 12:00:00 +0000\r\n${fixture.toString()}`,
      );
      assert.ok(edge.logger.has('info', 'smtp auth granted', { serverId: SERVER_ID }));
      const logged = JSON.stringify(edge.logger.entries);
      const plainToken = Buffer.from(`\0acme/mail\0${SMTP_KEY}`).toString('base64');
      assert.ok(!logged.includes(SMTP_KEY) && !logged.includes(plainToken), 'the key is never logged');
      assert.ok(
        edge.logger.entries.some(
          (entry) => entry.message === 'C: AUTH PLAIN /* secured */' && entry.fields.sessionId,
        ),
        'protocol lines are logged with the session id, AUTH redacted',
      );
    } finally {
      await edge.close();
    }
  });

  void it('takes AUTH LOGIN, then MAIL, RCPT and DATA pipelined in one write, with SMTPUTF8 addresses', async () => {
    const edge = await startHarness({ secure: true });
    try {
      const client = await RawClient.open(edge.port, { tls: true });
      assert.match(await client.reply(), /^220 /);
      assert.match(await client.command('EHLO client.test'), /^250[- ]PIPELINING$/m);
      assert.equal(await client.command('AUTH LOGIN'), '334 VXNlcm5hbWU6');
      assert.equal(await client.command(Buffer.from('acme/mail').toString('base64')), '334 UGFzc3dvcmQ6');
      assert.match(await client.command(Buffer.from(SMTP_KEY).toString('base64')), /^235 /);
      client.write(
        Buffer.from(
          'MAIL FROM:<alice@example.com> SMTPUTF8\r\nRCPT TO:<jörg@recipient.test>\r\nDATA\r\n',
          'utf8',
        ),
      );
      assert.match(await client.reply(), /^250 /);
      assert.match(await client.reply(), /^250 /);
      assert.match(await client.reply(), /^354 /);
      client.write(
        Buffer.from('From: Jörg <alice@example.com>\r\nSubject: Grüße\r\n\r\nHallo\r\n.\r\n', 'utf8'),
      );
      assert.equal(await client.reply(), '250 2.0.0 OK queued as 1000');
      client.close();
      const [envelope] = edge.envelopes();
      assert.deepEqual(
        envelope?.recipients.map((r) => r.address),
        ['jörg@recipient.test'],
      );
      assert.match(edge.blobs.text(envelope!.rawKey)!, /^From: Jörg <alice@example\.com>\r\n/m);
    } finally {
      await edge.close();
    }
  });

  void it('refuses a wrong key with 535', async () => {
    const edge = await startHarness();
    try {
      const outcome = await send(edge.port, { pass: 'not-the-key' });
      assert.equal(outcome.ok, false);
      assert.equal(!outcome.ok && outcome.code, 535);
      assert.match(outcome.response, /^535 5\.7\.8 Invalid credential/);
    } finally {
      await edge.close();
    }
  });

  void it('refuses AUTH before STARTTLS with 538, whatever the key', async () => {
    const edge = await startHarness();
    try {
      const outcome = await send(edge.port, { pass: SMTP_KEY, ignoreTLS: true });
      assert.equal(!outcome.ok && outcome.code, 538);
      assert.match(outcome.response, /^538 5\.7\.11 Encryption required/);
      assert.deepEqual(edge.envelopes(), []);
    } finally {
      await edge.close();
    }
  });

  void it('refuses unauthenticated mail to a foreign domain with 530: no open relay', async () => {
    const edge = await startHarness();
    try {
      const outcome = await send(edge.port, { to: ['victim@elsewhere.test'] });
      assert.equal(outcome.ok, false);
      assert.match(outcome.response, /530 5\.7\.0 Authentication required/);
      assert.deepEqual(edge.envelopes(), []);
    } finally {
      await edge.close();
    }
  });

  void it('accepts mail to a route address without authentication, as incoming', async () => {
    const edge = await startHarness();
    try {
      const outcome = await send(edge.port, {
        from: 'stranger@outside.test',
        to: ['support+billing@example.com'],
      });
      assert.equal(outcome.ok, true);
      const [envelope] = edge.envelopes();
      assert.equal(envelope?.credentialId, null);
      assert.deepEqual(envelope?.recipients[0], {
        messageId: 1000,
        token: 't000000000000001',
        address: 'support+billing@example.com',
        kind: 'incoming',
        routeId: ROUTE_ID,
      });
      assert.match(
        edge.blobs.text(envelope!.rawKey)!,
        /^Received: from client\.test [^]*?\tby mx\.postern\.test with ESMTPS;/,
      );
    } finally {
      await edge.close();
    }
  });

  void it('reports each message as it starts to arrive', async () => {
    let marks = 0;
    const edge = await startHarness({ onMessage: () => (marks += 1) });
    try {
      const outcome = await send(edge.port, {
        from: 'stranger@outside.test',
        to: ['support+billing@example.com', 'support+other@example.com'],
      });
      assert.equal(outcome.ok, true);
      assert.equal(marks, 1, 'one message, for two recipients');
    } finally {
      await edge.close();
    }
  });

  void it('answers 451 4.3.0 while no policy snapshot is loaded', async () => {
    const edge = await startHarness({ snapshot: false });
    try {
      const outcome = await send(edge.port, { to: ['support@example.com'] });
      assert.equal(!outcome.ok && outcome.code, 451);
      assert.match(outcome.response, /^451 4\.3\.0 Policy not loaded yet/);
      edge.reader.offer(testSnapshot());
      assert.equal(
        (await send(edge.port, { to: ['support@example.com'] })).ok,
        true,
        'accepted once it arrives',
      );
    } finally {
      await edge.close();
    }
  });

  void it('works on the implicit TLS port', async () => {
    const edge = await startHarness({ secure: true });
    try {
      const outcome = await send(edge.port, { secure: true, pass: SMTP_KEY });
      assert.equal(outcome.ok, true);
      assert.equal(edge.envelopes()[0]?.tls, true);
      const client = await RawClient.open(edge.port, { tls: true });
      await client.reply();
      assert.doesNotMatch(await client.command('EHLO client.test'), /STARTTLS/);
      client.close();
    } finally {
      await edge.close();
    }
  });

  void it('enforces SIZE: refuses a declared size over the limit, and a message that turns out larger', async () => {
    const edge = await startHarness({ maxSize: 1024 });
    try {
      const client = await RawClient.open(edge.port);
      await client.reply();
      assert.match(await client.command('EHLO client.test'), /^250[- ]SIZE 1024$/m);
      assert.match(await client.command('MAIL FROM:<a@outside.test> SIZE=2048'), /^552 /);
      client.close();
      const big = `${fixture.toString()}${'x'.repeat(76)}\r\n`.repeat(20);
      const outcome = await send(edge.port, {
        from: 'a@outside.test',
        to: ['support@example.com'],
        raw: big,
      });
      assert.equal(!outcome.ok && outcome.code, 552);
      assert.match(outcome.response, /^552 5\.3\.4 Message too large/);
      assert.deepEqual(edge.envelopes(), []);
    } finally {
      await edge.close();
    }
  });

  for (const [name, terminator] of [
    ['LF.LF', '\n.\n'],
    ['CRLF.LF', '\r\n.\n'],
    ['LF.CRLF', '\n.\r\n'],
  ] as const) {
    void it(`does not end DATA at ${name}: the smuggled commands stay message content`, async () => {
      const edge = await startHarness();
      try {
        const client = await RawClient.open(edge.port);
        await client.reply();
        await client.command('EHLO client.test');
        assert.match(await client.command('MAIL FROM:<stranger@outside.test>'), /^250 /);
        assert.match(await client.command('RCPT TO:<support@example.com>'), /^250 /);
        assert.match(await client.command('DATA'), /^354 /);
        client.write(
          `Subject: first\r\n\r\nbody${terminator}MAIL FROM:<evil@outside.test>\r\nRCPT TO:<support@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n`,
        );
        // Had DATA ended early, the first reply would be a 250 followed by three more replies.
        assert.match(await client.reply(), /^550 5\.6\.0 Message contains a lone dot line/);
        assert.equal(await client.command('NOOP'), '250 OK', 'no reply was queued behind it');
        assert.deepEqual(edge.envelopes(), []);
        client.close();
      } finally {
        await edge.close();
      }
    });
  }

  void it('throttles AUTH failures per client address: after five, even the right key gets 454', async () => {
    const edge = await startHarness();
    try {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        assert.equal((await send(edge.port, { pass: `wrong-${attempt}` })).ok, false);
      }
      const blocked = await send(edge.port, { pass: SMTP_KEY });
      assert.equal(!blocked.ok && blocked.code, 454);
      assert.match(blocked.response, /^454 4\.7\.0 Too many failed attempts, try later/);
      edge.clock.advance(15 * 60 * 1000 + 1);
      assert.equal((await send(edge.port, { pass: SMTP_KEY })).ok, true, 'allowed once the window passed');
      assert.ok(edge.logger.has('warn', 'smtp auth throttled'));
    } finally {
      await edge.close();
    }
  });

  void it('refuses a credential revoked by a newer snapshot at once: on the next AUTH and on an open session', async () => {
    const edge = await startHarness();
    const connection = new SMTPConnection({
      host: '127.0.0.1',
      port: edge.port,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        connection.once('error', reject);
        connection.connect(() => resolve());
      });
      await new Promise<void>((resolve, reject) =>
        connection.login({ user: 'acme/mail', pass: SMTP_KEY }, (error) =>
          error ? reject(error) : resolve(),
        ),
      );
      const sendOn = () =>
        new Promise<{ code?: number | undefined; ok: boolean }>((resolve) =>
          connection.send({ from: 'alice@example.com', to: ['bob@recipient.test'] }, fixture, (error) =>
            resolve(
              error ? { ok: false, code: (error as { responseCode?: number }).responseCode } : { ok: true },
            ),
          ),
        );
      assert.deepEqual(await sendOn(), { ok: true });
      assert.equal(edge.reader.offer(testSnapshot({ version: 2, credentials: [] })), true);
      assert.deepEqual(await sendOn(), { ok: false, code: 535 }, 'the open session loses it at MAIL FROM');
      const fresh = await send(edge.port, { pass: SMTP_KEY });
      assert.equal(!fresh.ok && fresh.code, 535, 'a new AUTH is refused');
      assert.equal(edge.envelopes().length, 1);
    } finally {
      connection.close();
      await edge.close();
    }
  });

  void it('answers 451 and queues nothing when the blob store fails', async () => {
    const edge = await startHarness();
    try {
      edge.blobs.failNext('put');
      const outcome = await send(edge.port, { pass: SMTP_KEY });
      assert.equal(!outcome.ok && outcome.code, 451);
      assert.match(outcome.response, /^451 4\.3\.0 Message could not be stored/);
      assert.deepEqual(edge.envelopes(), []);
      assert.equal((await send(edge.port, { pass: SMTP_KEY })).ok, true, 'the retry succeeds');
    } finally {
      await edge.close();
    }
  });

  void describe('PROXY protocol', () => {
    async function deliverThrough(client: RawClient, to: string): Promise<string> {
      await client.reply();
      await client.command('EHLO client.test');
      await client.command('MAIL FROM:<stranger@outside.test>');
      const rcpt = await client.command(`RCPT TO:<${to}>`);
      if (!rcpt.startsWith('250')) return rcpt;
      await client.command('DATA');
      client.write(`${fixture.toString()}.\r\n`);
      return client.reply();
    }

    void it('takes the client address from a v1 line', async () => {
      const edge = await startHarness({ proxyProtocol: true });
      try {
        const prefix = Buffer.from(`PROXY TCP4 203.0.113.9 127.0.0.1 40000 ${edge.port}\r\n`);
        const client = await RawClient.open(edge.port, { prefix });
        assert.match(await deliverThrough(client, 'support@example.com'), /^250 2\.0\.0 OK queued/);
        const [envelope] = edge.envelopes();
        assert.equal(envelope?.clientIp, '203.0.113.9');
        assert.match(edge.blobs.text(envelope!.rawKey)!, /\(203\.0\.113\.9 \[203\.0\.113\.9\]\)/);
        client.close();
      } finally {
        await edge.close();
      }
    });

    void it('takes the client address from a v2 header, which then counts for SMTP-IP credentials', async () => {
      const edge = await startHarness({ proxyProtocol: true });
      edge.reader.offer(
        testSnapshot({
          version: 2,
          ipCredentials: [{ id: 300, serverId: SERVER_ID, network: '198.51.100.0/24', hold: false }],
        }),
      );
      try {
        const header = proxyV2Header(1, 0x11, ipv4Block('198.51.100.20', '10.0.0.1', 40000, 25));
        const client = await RawClient.open(edge.port, { prefix: header });
        assert.match(await deliverThrough(client, 'friend@elsewhere.test'), /^250 2\.0\.0 OK queued/);
        const [envelope] = edge.envelopes();
        assert.equal(envelope?.clientIp, '198.51.100.20');
        assert.equal(envelope?.credentialId, 300);
        assert.equal(envelope?.recipients[0]?.kind, 'outgoing');
        client.close();
        const direct = await RawClient.open(edge.port, {
          prefix: proxyV2Header(1, 0x11, ipv4Block('192.0.2.50', '10.0.0.1', 40001, 25)),
        });
        assert.match(
          await deliverThrough(direct, 'friend@elsewhere.test'),
          /^530 /,
          'other addresses still need AUTH',
        );
        direct.close();
      } finally {
        await edge.close();
      }
    });

    void it('reads a v2 header in front of an implicit TLS handshake', async () => {
      const edge = await startHarness({ proxyProtocol: true, secure: true });
      try {
        const header = proxyV2Header(1, 0x11, ipv4Block('203.0.113.77', '10.0.0.1', 40002, 465));
        const client = await RawClient.open(edge.port, { prefix: header, tls: true });
        assert.match(await deliverThrough(client, 'support@example.com'), /^250 /);
        assert.equal(edge.envelopes()[0]?.clientIp, '203.0.113.77');
        client.close();
      } finally {
        await edge.close();
      }
    });

    void it('keeps the connection address for a v2 LOCAL header (load balancer health checks)', async () => {
      const edge = await startHarness({ proxyProtocol: true });
      try {
        const client = await RawClient.open(edge.port, { prefix: proxyV2Header(0, 0x00, []) });
        assert.match(await deliverThrough(client, 'support@example.com'), /^250 /);
        assert.equal(edge.envelopes()[0]?.clientIp, '127.0.0.1');
        client.close();
      } finally {
        await edge.close();
      }
    });
  });

  void it('on close, stops accepting connections but answers the message being accepted', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const accepting = new Promise<void>((resolve) => (started = resolve));
    const edge = await startHarness({
      wrapAccept: (accept) => async (input) => {
        started();
        await held;
        return accept(input);
      },
    });
    const sending = send(edge.port, { pass: SMTP_KEY });
    await accepting;
    const closing = edge.close();
    await assert.rejects(RawClient.open(edge.port), /ECONNREFUSED/);
    release();
    assert.equal((await sending).ok, true);
    await closing;
    assert.equal(edge.envelopes().length, 1);
  });
});
