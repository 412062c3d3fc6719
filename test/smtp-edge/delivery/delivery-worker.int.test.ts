import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { testCertificate } from '../../helpers/test-certificate.ts';
import { DeliveryJob, deliveryQueueName, type SmtpRelay } from '../../../core/delivery/delivery-job.ts';
import { DeliveryResult, RESULTS_QUEUE } from '../../../core/delivery/delivery-result.ts';
import { DatabaseQueue } from '../../../core/local/database-queue.ts';
import { NodeDns } from '../../../core/local/node-dns.ts';
import type { BlobStore } from '../../../core/ports.ts';
import {
  claimKey,
  judgeClaim,
  parseSmtpRelays,
  startDeliveryWorker,
  type DeliveryClaim,
  type DeliveryWorker,
  type DeliveryWorkerOptions,
} from '../../../smtp-edge/delivery/delivery-worker.ts';
import { DestinationLimiter } from '../../../smtp-edge/delivery/destination-limiter.ts';
import { NodemailerTransport } from '../../../smtp-edge/delivery/nodemailer-transport.ts';
import { ManualClock } from '../../fakes/manual-clock.ts';
import { MemoryBlobStore } from '../../fakes/memory-blob-store.ts';
import { MemoryLogger } from '../../fakes/memory-logger.ts';
import { freshDatabase, type TestDatabase } from '../../helpers/databases.ts';
import { startDnsServer, type DnsServer } from '../../helpers/dns-server.ts';
import { startRemoteMx } from '../../helpers/remote-mx.ts';

// The delivery worker end to end on loopback: jobs on the database-backed queue (SQLite), the
// prepared message in the in-memory blob store, MX records from the real DNS test server through
// NodeDns, and smtp-server instances as the remote MX hosts and relays, all reached on the port
// the worker is given (POSTERN_DELIVERY_PORT in production). Never port 25.

const QUEUE = deliveryQueueName('test');
const PREPARED = 'prepared/1.eml';
const MESSAGE = 'From: app@example.net\r\nTo: rcpt@example.com\r\nSubject: Hello\r\n\r\nHello there.\r\n';
const UTF8_MESSAGE = 'From: app@example.net\r\nTo: rcpt@example.com\r\nSubject: Grüße\r\n\r\nHallo.\r\n';

let dnsServer: DnsServer;
let tls: { key: string; cert: string };

before(async () => {
  dnsServer = await startDnsServer({
    'example.com': {
      MX: [
        { exchange: 'mx1.example.com', priority: 10 },
        { exchange: 'mx2.example.com', priority: 20 },
      ],
    },
    'mx1.example.com': { A: ['127.0.0.1'] },
    'mx2.example.com': { A: ['127.0.0.1'] },
    // The first MX has an address where nothing listens: connections are refused.
    'fallback.example': {
      MX: [
        { exchange: 'down.fallback.example', priority: 10 },
        { exchange: 'up.fallback.example', priority: 20 },
      ],
    },
    'down.fallback.example': { A: ['127.0.0.2'] },
    'up.fallback.example': { A: ['127.0.0.1'] },
    'implicit.example': { A: ['127.0.0.1'] },
    // AAAA first: ::1 has no listener on the port, so the worker goes on to the A record.
    'dual.example': { MX: [{ exchange: 'mx.dual.example', priority: 10 }] },
    'mx.dual.example': { AAAA: ['::1'], A: ['127.0.0.1'] },
    'dead.example': {
      MX: [
        { exchange: 'a.dead.example', priority: 10 },
        { exchange: 'b.dead.example', priority: 20 },
      ],
    },
    'a.dead.example': { A: ['127.0.0.2'] },
    'b.dead.example': { A: ['127.0.0.3'] },
    'nullmx.example': { MX: [{ exchange: '.', priority: 0 }] },
  });
  tls = await testCertificate('relay.test', { loopback: true });
});

after(async () => {
  await dnsServer.close();
});

interface Harness {
  clock: ManualClock;
  queue: DatabaseQueue;
  blobs: MemoryBlobStore;
  logger: MemoryLogger;
  transport: NodemailerTransport;
  /** Every result received from the results queue so far. */
  results: DeliveryResult[];
  enqueue(job: Partial<DeliveryJob>): Promise<DeliveryJob>;
  start(options?: Partial<DeliveryWorkerOptions>): DeliveryWorker;
  /** Waits until `count` results have arrived and the delivery queue is empty. */
  settle(count: number): Promise<DeliveryResult[]>;
  close(): Promise<void>;
}

async function harness(port: number, transportCa: string[] = []): Promise<Harness> {
  const database: TestDatabase = await freshDatabase('sqlite');
  const clock = new ManualClock();
  const queue = new DatabaseQueue({
    db: database.handle.db,
    dialect: database.handle.dialect,
    clock,
    queues: [
      { name: QUEUE, visibilityTimeoutSeconds: 300, maxReceives: 20 },
      { name: RESULTS_QUEUE, visibilityTimeoutSeconds: 300, maxReceives: 20 },
    ],
  });
  const blobs = new MemoryBlobStore();
  await blobs.put(PREPARED, MESSAGE);
  const logger = new MemoryLogger();
  const transport = new NodemailerTransport({
    logger,
    extraCaCertificates: transportCa,
    idleTimeoutMs: 2_000,
  });
  const workers: DeliveryWorker[] = [];
  const results: DeliveryResult[] = [];
  const collect = async () => {
    for (const message of await queue.receive(RESULTS_QUEUE, { max: 10 })) {
      results.push(DeliveryResult.parse(JSON.parse(message.body)));
      await queue.delete(RESULTS_QUEUE, message.receiptHandle);
    }
  };
  return {
    clock,
    queue,
    blobs,
    logger,
    transport,
    results,
    async enqueue(overrides) {
      const job = DeliveryJob.parse({
        version: 1,
        messageId: 1,
        serverId: 7,
        attempt: 1,
        firstAttempt: 1,
        mailFrom: 'bounces@rp.postern.test',
        rcptTo: 'rcpt@example.com',
        preparedKey: PREPARED,
        domain: 'example.com',
        relay: null,
        source: { ipv4: null, ipv6: null, hostname: 'out.postern.test' },
        needsSmtputf8: false,
        queuedAt: clock.now(),
        ...overrides,
      } satisfies DeliveryJob);
      await queue.send(QUEUE, JSON.stringify(job));
      return job;
    },
    start(options = {}) {
      const worker = startDeliveryWorker({
        queue,
        queueName: QUEUE,
        blobs,
        dns: new NodeDns({ servers: [dnsServer.address], timeoutMs: 1_000 }),
        transport,
        clock,
        logger,
        deliveryPort: port,
        allowPrivateTargets: true,
        pollIntervalMs: 20,
        onSend: (listener) => queue.onSend(listener),
        random: () => 0,
        ...options,
      });
      workers.push(worker);
      return worker;
    },
    async settle(count) {
      const deadline = performance.now() + 15_000;
      for (;;) {
        await collect();
        const depth = await queue.depth(QUEUE);
        if (results.length >= count && depth.visible + depth.inFlight === 0) return results;
        if (performance.now() > deadline) {
          assert.fail(`timed out: ${results.length} of ${count} results, queue ${JSON.stringify(depth)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.stop()));
      await transport.close();
      await database.drop();
    },
  };
}

async function claimOf(blobs: MemoryBlobStore, messageId = 1, attempt = 1): Promise<DeliveryClaim | null> {
  const text = blobs.text(claimKey(messageId, attempt));
  return text === undefined ? null : (JSON.parse(text) as DeliveryClaim);
}

void describe('delivery worker', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const remote = async (
    options: Omit<Parameters<typeof startRemoteMx>[0] & object, 'tls'> & { tls?: boolean } = {},
  ) => {
    const started = await startRemoteMx({ ...options, tls: options.tls ? tls : undefined });
    cleanups.push(() => started.close());
    return started;
  };
  const setup = async (port: number, ca: string[] = []) => {
    const created = await harness(port, ca);
    cleanups.push(() => created.close());
    return created;
  };

  void it('delivers to the first MX over STARTTLS and reports Sent with the TLS flag', async () => {
    const mx = await remote({ tls: true });
    const h = await setup(mx.port);
    await h.enqueue({});
    h.start();
    const [result] = await h.settle(1);
    assert.equal(result?.status, 'Sent');
    assert.equal(result?.secure, true);
    assert.equal(
      result?.details,
      `Message for rcpt@example.com accepted by 127.0.0.1:${mx.port} (mx1.example.com)`,
    );
    assert.match(result?.output ?? '', /^250 .*queued as REMOTE1/);
    assert.equal(result?.remoteHost, 'mx1.example.com');
    assert.deepEqual([result?.messageId, result?.serverId, result?.attempt], [1, 7, 1]);
    assert.equal(result?.retryAfterSeconds, null);
    assert.deepEqual(mx.messages[0]?.to, ['rcpt@example.com']);
    assert.equal(mx.messages[0]?.secure, true);
    assert.equal((await claimOf(h.blobs))?.state, 'done');
    assert.ok(h.logger.has('info', 'delivery attempt finished', { messageId: 1, status: 'Sent' }));
  });

  void it('mentions the source address in the details when the pool has one', async () => {
    const mx = await remote();
    const h = await setup(mx.port);
    await h.enqueue({ source: { ipv4: '127.0.0.5', ipv6: null, hostname: 'pool.postern.test' } });
    h.start();
    const [result] = await h.settle(1);
    assert.equal(
      result?.details,
      `Message for rcpt@example.com accepted by 127.0.0.1:${mx.port} (mx1.example.com) (from 127.0.0.5)`,
    );
    assert.equal(mx.messages[0]?.remoteAddress, '127.0.0.5');
  });

  void it("reaches each family from the pool address's own half, and skips a family it has none of", async () => {
    const mx = await remote({ host: '::' });
    const h = await setup(mx.port);
    const dual = { domain: 'dual.example', rcptTo: 'rcpt@dual.example' };
    await h.enqueue({ ...dual, source: { ipv4: '127.0.0.5', ipv6: '::1', hostname: 'pool.postern.test' } });
    h.start();
    const [both] = await h.settle(1);
    assert.equal(
      both?.details,
      `Message for rcpt@dual.example accepted by [::1]:${mx.port} (mx.dual.example) (from ::1)`,
      'AAAA first, from the IPv6 half',
    );
    await h.enqueue({
      ...dual,
      messageId: 2,
      source: { ipv4: '127.0.0.5', ipv6: null, hostname: 'pool.postern.test' },
    });
    const [, v4only] = await h.settle(2);
    assert.equal(
      v4only?.details,
      `Message for rcpt@dual.example accepted by 127.0.0.1:${mx.port} (mx.dual.example) (from 127.0.0.5)`,
      'no IPv6 half: the AAAA host is skipped',
    );
    assert.deepEqual(
      mx.messages.map((message) => message.remoteAddress),
      ['::1', '127.0.0.5'],
    );
  });

  void it('turns a 451 with "try again in 3 minutes" into a SoftFail with the hint', async () => {
    const mx = await remote({ rcpt: () => ({ code: 451, message: 'Greylisted, try again in 3 minutes' }) });
    const h = await setup(mx.port);
    await h.enqueue({});
    h.start();
    const [result] = await h.settle(1);
    assert.equal(result?.status, 'SoftFail');
    assert.equal(result?.retryAfterSeconds, 190);
    assert.equal(
      result?.details,
      `Temporary SMTP delivery error when sending to 127.0.0.1:${mx.port} (mx1.example.com)`,
    );
    assert.match(result?.output ?? '', /^451 /);
  });

  void it('turns a 550 into a HardFail', async () => {
    const mx = await remote({ rcpt: () => ({ code: 550, message: 'No such user' }) });
    const h = await setup(mx.port);
    await h.enqueue({});
    h.start();
    const [result] = await h.settle(1);
    assert.equal(result?.status, 'HardFail');
    assert.equal(
      result?.details,
      `Permanent SMTP delivery error when sending to 127.0.0.1:${mx.port} (mx1.example.com)`,
    );
    assert.match(result?.output ?? '', /No such user/);
    assert.equal(result?.retryAfterSeconds, null);
  });

  void it('moves on to the second MX when the first refuses connections', async () => {
    const mx = await remote();
    const h = await setup(mx.port);
    await h.enqueue({ rcptTo: 'rcpt@fallback.example', domain: 'fallback.example' });
    h.start();
    const [result] = await h.settle(1);
    assert.equal(result?.status, 'Sent');
    assert.equal(result?.remoteHost, 'up.fallback.example');
    assert.match(
      result?.details ?? '',
      new RegExp(`accepted by 127\\.0\\.0\\.1:${mx.port} \\(up\\.fallback\\.example\\)`),
    );
  });

  void it('delivers to the domain itself when it has no MX (implicit MX)', async () => {
    const mx = await remote();
    const h = await setup(mx.port);
    await h.enqueue({ rcptTo: 'rcpt@implicit.example', domain: 'implicit.example' });
    h.start();
    const [result] = await h.settle(1);
    assert.equal(result?.status, 'Sent');
    assert.equal(result?.remoteHost, 'implicit.example');
  });

  void it('tries the AAAA address first and falls back to the A address', async () => {
    const mx = await remote();
    const h = await setup(mx.port);
    await h.enqueue({ rcptTo: 'rcpt@dual.example', domain: 'dual.example' });
    h.start();
    const [result] = await h.settle(1);
    assert.equal(result?.status, 'Sent');
    assert.match(
      result?.details ?? '',
      new RegExp(`accepted by 127\\.0\\.0\\.1:${mx.port} \\(mx\\.dual\\.example\\)`),
    );
    assert.ok(
      h.logger.has('info', 'could not deliver to host, trying the next one', {
        remote: `[::1]:${mx.port} (mx.dual.example)`,
      }),
    );
  });

  void it('reports a SoftFail naming every host when none can be reached (Postal wording)', async () => {
    const mx = await remote();
    const h = await setup(mx.port);
    await h.enqueue({ rcptTo: 'rcpt@dead.example', domain: 'dead.example' });
    h.start();
    const [result] = await h.settle(1);
    assert.equal(result?.status, 'SoftFail');
    assert.equal(
      result?.details,
      'No SMTP servers were available for dead.example. Tried a.dead.example and b.dead.example.',
    );
    assert.match(result?.output ?? '', /127\.0\.0\.2:\d+ \(a\.dead\.example\): .*ECONNREFUSED/);
    assert.equal(result?.remoteHost, null);
  });

  void it('fails hard for a domain that does not exist, and for a null MX', async () => {
    const h = await setup(1);
    await h.enqueue({ messageId: 1, rcptTo: 'x@nowhere.example', domain: 'nowhere.example' });
    await h.enqueue({ messageId: 2, rcptTo: 'x@nullmx.example', domain: 'nullmx.example' });
    h.start();
    const results = await h.settle(2);
    const byMessage = new Map(results.map((result) => [result.messageId, result]));
    assert.equal(byMessage.get(1)?.status, 'HardFail');
    assert.match(byMessage.get(1)?.details ?? '', /nowhere\.example has no MX, A or AAAA record/);
    assert.equal(byMessage.get(2)?.status, 'HardFail');
    assert.match(byMessage.get(2)?.details ?? '', /null MX/);
  });

  void it('skips private MX addresses unless private targets are allowed', async () => {
    const mx = await remote();
    const h = await setup(mx.port);
    await h.enqueue({});
    h.start({ allowPrivateTargets: false });
    const [result] = await h.settle(1);
    assert.equal(result?.status, 'SoftFail');
    assert.equal(result?.details, 'No SMTP servers were available for example.com. No hosts to try.');
    assert.match(result?.output ?? '', /not a public address, skipped/);
    assert.equal(mx.connections, 0);
  });

  void it('fails hard with a clear reason when the message needs SMTPUTF8 and the MX lacks it', async () => {
    const mx = await remote({ smtputf8: false });
    const h = await setup(mx.port);
    await h.blobs.put(PREPARED, UTF8_MESSAGE);
    await h.enqueue({ needsSmtputf8: true });
    h.start();
    const [result] = await h.settle(1);
    assert.equal(result?.status, 'HardFail');
    assert.match(result?.details ?? '', /needs SMTPUTF8 .*does not offer it/);
    assert.equal(mx.messages.length, 0);
  });

  void it('reports a missing prepared message as a HardFail', async () => {
    const h = await setup(1);
    await h.enqueue({ preparedKey: 'prepared/absent.eml' });
    h.start();
    const [result] = await h.settle(1);
    assert.equal(result?.status, 'HardFail');
    assert.equal(result?.details, 'The prepared message is missing');
  });

  void it('deletes an invalid job after logging it, without a result', async () => {
    const h = await setup(1);
    await h.queue.send(QUEUE, '{"version":1,"messageId":"nope"}');
    await h.queue.send(QUEUE, 'not json');
    h.start();
    await h.settle(0);
    assert.equal(h.results.length, 0);
    assert.equal(
      h.logger.entries.filter((entry) => entry.message === 'invalid delivery job deleted').length,
      2,
    );
  });

  void describe('relays', () => {
    const auth = { user: 'relay-user', pass: 'relay-secret' };

    void it('sends everything through the configured relay, with AUTH over verified TLS', async () => {
      const relay = await remote({ tls: true, auth });
      const h = await setup(1, [tls.cert]);
      await h.enqueue({ rcptTo: 'rcpt@nowhere.example', domain: 'nowhere.example' });
      const relays = parseSmtpRelays([`smtp://${auth.user}:${auth.pass}@127.0.0.1:${relay.port}`]);
      h.start({ relays });
      const [result] = await h.settle(1);
      assert.equal(result?.status, 'Sent');
      assert.equal(result?.secure, true);
      assert.equal(result?.details, `Message for rcpt@nowhere.example accepted by 127.0.0.1:${relay.port}`);
      assert.equal(relay.messages.length, 1);
      assert.equal(
        h.logger.entries.some((entry) => JSON.stringify(entry).includes(auth.pass)),
        false,
        'the password is never logged',
      );
    });

    void it('uses the relay of the job (an SMTP endpoint) before the configured ones', async () => {
      const endpoint = await remote();
      const h = await setup(1);
      const relay: SmtpRelay = { host: '127.0.0.1', port: endpoint.port, tls: 'opportunistic', auth: null };
      await h.enqueue({ relay });
      h.start({ relays: [{ host: '127.0.0.1', port: 1, tls: 'none', auth: null }] });
      const [result] = await h.settle(1);
      assert.equal(result?.status, 'Sent');
      assert.equal(endpoint.messages.length, 1);
    });

    void it('refuses an SMTP endpoint on a private address unless allowed', async () => {
      const endpoint = await remote();
      const h = await setup(1);
      await h.enqueue({ relay: { host: '127.0.0.1', port: endpoint.port, tls: 'none', auth: null } });
      h.start({ allowPrivateTargets: false });
      const [result] = await h.settle(1);
      assert.equal(result?.status, 'HardFail');
      assert.match(result?.details ?? '', /SMTP endpoint 127\.0\.0\.1 is not a public address/);
      assert.equal(endpoint.connections, 0);
    });
  });

  void it('sends two messages to the same destination over one connection', async () => {
    const mx = await remote({ tls: true });
    const h = await setup(mx.port);
    await h.enqueue({ messageId: 1 });
    await h.enqueue({ messageId: 2, rcptTo: 'second@example.com' });
    h.start({ concurrency: 1 });
    const results = await h.settle(2);
    assert.deepEqual(
      results.map((result) => result.status),
      ['Sent', 'Sent'],
    );
    assert.equal(mx.messages.length, 2);
    assert.equal(mx.connections, 1);
  });

  void it('halves the destination limit when the MX answers 421', async () => {
    const mx = await remote({ rcpt: () => ({ code: 421, message: 'Too many connections, slow down' }) });
    const h = await setup(mx.port);
    const limiter = new DestinationLimiter({ clock: h.clock });
    await h.enqueue({});
    const worker = h.start({ limiter });
    const [result] = await h.settle(1);
    assert.equal(result?.status, 'SoftFail');
    assert.equal(worker.limiter, limiter);
    assert.equal(limiter.limit('domain:example.com'), 5);
    assert.ok(h.logger.has('warn', 'destination is rate limiting; halving its concurrency'));
  });

  const DEFERRED_THROTTLED =
    'destination is rate limiting and has a full line of waiting jobs; deferring this one';
  const DEFERRED_HALF = 'destination holds half of the jobs in hand; deferring this one';

  /** A limiter whose destination example.com has been rate limiting: limit 1 of an initial 2. */
  const throttledLimiter = (clock: ManualClock) => {
    const limiter = new DestinationLimiter({ clock, settings: { initial: 2, max: 2 } });
    limiter.limits.tryAcquire('domain:example.com');
    limiter.limits.release('domain:example.com', 'rate_limited');
    assert.equal(limiter.throttled('domain:example.com'), true);
    return limiter;
  };

  void it('defers a job when a destination that rate limits us has a full line, without spending its receives', async () => {
    const mx = await remote({ dataDelayMs: 300 });
    const h = await setup(mx.port);
    for (let id = 1; id <= 3; id += 1) await h.enqueue({ messageId: id });
    const worker = h.start({ limiter: throttledLimiter(h.clock), concurrency: 10 });
    // Received together, all three are in line for the one slot; the line holds two, so the
    // third goes back for deferSeconds.
    await waitFor(async () => h.logger.has('info', DEFERRED_THROTTLED));
    await waitFor(async () => {
      const depth = await h.queue.depth(QUEUE);
      return mx.messages.length === 2 && depth.inFlight + depth.visible === 0;
    });
    // Back as a new message, delayed and never received, so waiting does not bring it nearer
    // the dead-letter queue; it stays put while the clock does not move.
    assert.deepEqual(await h.queue.depth(QUEUE), { visible: 0, inFlight: 0, delayed: 1 });
    assert.deepEqual(worker.stats().deferred, { rate_limited: 1, half_of_hand: 0 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(mx.messages.length, 2);
    h.clock.advance(60_000);
    const results = await h.settle(3);
    assert.deepEqual(results.map((result) => result.messageId).sort(), [1, 2, 3]);
    assert.equal(mx.messages.length, 3);
  });

  void it('lets a burst to a destination that is not rate limiting wait in line, receiving more as the line moves', async () => {
    const mx = await remote({ dataDelayMs: 100 });
    const h = await setup(mx.port);
    const limiter = new DestinationLimiter({ clock: h.clock, settings: { initial: 1, max: 1 } });
    for (let id = 1; id <= 6; id += 1) await h.enqueue({ messageId: id });
    const worker = h.start({ limiter, concurrency: 20, pollIntervalMs: 5_000 });
    // All six came in one receive: the line (five waiting, two make it full) holds the receive
    // loop, so a job sent now stays on the queue until the line is short again.
    await waitFor(async () => (await h.queue.depth(QUEUE)).inFlight === 6);
    assert.ok(worker.stats().waitingForSlot >= 4, JSON.stringify(worker.stats()));
    await h.enqueue({ messageId: 7 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal((await h.queue.depth(QUEUE)).visible, 1, 'not received while the line is over full');
    const results = await h.settle(7);
    assert.deepEqual(
      results.map((result) => result.messageId),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.equal(h.logger.has('info', DEFERRED_THROTTLED), false);
    assert.equal(h.logger.has('info', DEFERRED_HALF), false);
  });

  void it('defers a job when its destination holds half of the jobs in hand; recording a result does not count', async () => {
    const mx = await remote({ dataDelayMs: 300 });
    const h = await setup(mx.port);
    const worker = h.start({ concurrency: 4 });
    for (let id = 1; id <= 3; id += 1) await h.enqueue({ messageId: id });
    // Two of four held for example.com (sending): the third goes back.
    await waitFor(async () => h.logger.has('info', DEFERRED_HALF));
    await h.settle(2);
    assert.deepEqual(worker.stats(), {
      queue: QUEUE,
      inHand: 0,
      waitingForSlot: 0,
      deferred: { rate_limited: 0, half_of_hand: 1 },
    });
    assert.deepEqual(await h.queue.depth(QUEUE), { visible: 0, inFlight: 0, delayed: 1 });
    h.clock.advance(60_000);
    await h.settle(3);
    assert.equal(mx.messages.length, 3);
  });

  void it('counts a job as held only until its attempt ends: one recording its result leaves room', async () => {
    const mx = await remote();
    const h = await setup(mx.port);
    // Recording a result takes a while (its claim is written durably first).
    const slowRecords: BlobStore = {
      get: (key, options) => h.blobs.get(key, options),
      delete: (key) => h.blobs.delete(key),
      async put(key, body, options) {
        if (String(body).includes('"state":"done"')) await new Promise((resolve) => setTimeout(resolve, 400));
        return h.blobs.put(key, body, options);
      },
    };
    h.start({ concurrency: 4, blobs: slowRecords });
    // Each job arrives once the one before is sent and while it is still recording: three in
    // hand at the end, but none of them holding its destination, so none is deferred.
    for (let id = 1; id <= 3; id += 1) {
      await h.enqueue({ messageId: id });
      await waitFor(async () => mx.messages.length === id);
    }
    await h.settle(3);
    assert.equal(h.logger.has('info', DEFERRED_HALF), false);
  });

  void describe('claims (one send per message and attempt)', () => {
    void it('sends a job enqueued twice only once', async () => {
      const mx = await remote();
      const h = await setup(mx.port);
      await h.enqueue({});
      await h.enqueue({});
      h.start({ concurrency: 10 });
      const results = await h.settle(1);
      assert.equal(mx.messages.length, 1);
      assert.equal(results.length, 1);
      assert.ok(h.logger.has('info', 'duplicate delivery job deleted: another worker holds this attempt'));
    });

    void it('does not send again when the claim is done, but queues the stored result again', async () => {
      const mx = await remote();
      const h = await setup(mx.port);
      const stored = DeliveryResult.parse({
        version: 1,
        messageId: 1,
        serverId: 7,
        attempt: 1,
        firstAttempt: 1,
        status: 'Sent',
        details: 'Message for rcpt@example.com accepted by 192.0.2.1:25 (mx1.example.com)',
        output: '250 OK',
        secure: true,
        retryAfterSeconds: null,
        remoteHost: 'mx1.example.com',
        durationMs: 12,
        logId: 'EARLIER1',
        finishedAt: h.clock.now(),
      } satisfies DeliveryResult);
      await h.blobs.put(
        claimKey(1, 1),
        JSON.stringify({ state: 'done', at: h.clock.now(), result: stored } satisfies DeliveryClaim),
      );
      await h.enqueue({});
      h.start();
      const results = await h.settle(1);
      assert.deepEqual(results, [stored]);
      assert.equal(mx.connections, 0);
    });

    void it('takes over the claim of a worker that died, and sends', async () => {
      const mx = await remote();
      const h = await setup(mx.port);
      const dead: DeliveryClaim = {
        state: 'sending',
        at: h.clock.now() - 400_000,
        leaseUntil: h.clock.now() - 100_000,
        queueMessageId: 'another',
      };
      await h.blobs.put(claimKey(1, 1), JSON.stringify(dead));
      await h.enqueue({});
      h.start();
      const [result] = await h.settle(1);
      assert.equal(result?.status, 'Sent');
      assert.equal(mx.messages.length, 1);
      assert.equal((await claimOf(h.blobs))?.state, 'done');
      assert.ok(h.logger.has('warn', 'took over the claim of a worker that stopped'));
    });

    void it('deletes a duplicate whose twin holds a live claim, without sending', async () => {
      const mx = await remote();
      const h = await setup(mx.port);
      const live: DeliveryClaim = {
        state: 'sending',
        at: h.clock.now(),
        leaseUntil: h.clock.now() + 300_000,
        queueMessageId: 'the-twin',
      };
      await h.blobs.put(claimKey(1, 1), JSON.stringify(live));
      await h.enqueue({});
      h.start();
      await h.settle(0);
      assert.equal(mx.connections, 0);
      assert.equal(h.results.length, 0);
    });

    void it('gives the claim back when the attempt fails before anything is sent', async () => {
      const h = await setup(1);
      await h.enqueue({});
      h.start({ blobs: new UnreadableKey(h.blobs, PREPARED) });
      await waitFor(async () => h.logger.has('error', 'delivery job failed; it will be received again'));
      await waitFor(async () => {
        const claim = await claimOf(h.blobs);
        return claim?.state === 'sending' && claim.leaseUntil === 0;
      });
      assert.equal(h.results.length, 0);
    });
  });

  void it('keeps the job invisible and the claim leased during a long send (heartbeat)', async () => {
    const mx = await remote({ dataDelayMs: 1_600 });
    const h = await setup(mx.port);
    await h.enqueue({});
    h.start({ visibilityTimeoutSeconds: 3 });
    const [result] = await h.settle(1);
    assert.equal(result?.status, 'Sent');
    const claimWrites = h.blobs.calls.filter(
      (call) => call.operation === 'put' && call.key === claimKey(1, 1),
    );
    assert.ok(claimWrites.length >= 3, `claim, at least one renewal, done: ${claimWrites.length} writes`);
    assert.equal((await claimOf(h.blobs))?.state, 'done');
    assert.equal(h.logger.has('warn', /taken over while sending/), false);
  });

  void it('stop() hands back jobs still waiting for a slot', async () => {
    const mx = await remote({ dataDelayMs: 400 });
    const h = await setup(mx.port);
    const limiter = new DestinationLimiter({ clock: h.clock, settings: { initial: 1, max: 1 } });
    await h.enqueue({ messageId: 1 });
    await h.enqueue({ messageId: 2 });
    const worker = h.start({ limiter, concurrency: 10 });
    await waitFor(async () => limiter.waiting('domain:example.com') === 1);
    await worker.stop();
    assert.equal(mx.messages.length, 1);
    const depth = await h.queue.depth(QUEUE);
    assert.equal(depth.visible, 1, 'the waiting job is visible again at once');
    const claims = [await claimOf(h.blobs, 1), await claimOf(h.blobs, 2)];
    assert.deepEqual(claims.map((claim) => claim?.state).sort(), ['done', 'sending']);
    const released = claims.find((claim) => claim?.state === 'sending');
    assert.equal(released?.state === 'sending' && released.leaseUntil, 0);
  });

  void it('stop() waits for a send in flight', async () => {
    const mx = await remote({ dataDelayMs: 300 });
    const h = await setup(mx.port);
    await h.enqueue({});
    const worker = h.start();
    await waitFor(async () => mx.messages.length === 1);
    await worker.stop();
    const [result] = await h.settle(1);
    assert.equal(result?.status, 'Sent');
  });
});

void describe('judgeClaim', () => {
  const now = 1_000_000;
  void it('takes a missing lease or an unreadable claim, and leaves live ones alone', () => {
    assert.deepEqual(judgeClaim(null, now, 'q1'), { kind: 'take' });
    const sending = (leaseUntil: number, queueMessageId: string): DeliveryClaim => ({
      state: 'sending',
      at: now - 1,
      leaseUntil,
      queueMessageId,
    });
    assert.deepEqual(judgeClaim(sending(now, 'q2'), now, 'q1'), { kind: 'take' });
    assert.deepEqual(judgeClaim(sending(now + 1, 'q2'), now, 'q1'), { kind: 'duplicate' });
    assert.deepEqual(judgeClaim(sending(now + 1, 'q1'), now, 'q1'), { kind: 'busy', leaseUntil: now + 1 });
  });
});

void describe('parseSmtpRelays', () => {
  void it('reads smtp and smtps URLs with credentials and TLS modes', () => {
    assert.deepEqual(
      parseSmtpRelays([
        'smtp://relay.example:2525',
        'smtp://user%40x:p%3Ass@relay.example:587',
        'smtps://relay.example',
        'smtp://relay.example?ssl_mode=None',
        'smtp://relay.example?tls=required',
      ]),
      [
        { host: 'relay.example', port: 2525, tls: 'opportunistic', auth: null },
        { host: 'relay.example', port: 587, tls: 'required', auth: { user: 'user@x', pass: 'p:ss' } },
        { host: 'relay.example', port: 465, tls: 'implicit', auth: null },
        { host: 'relay.example', port: 25, tls: 'none', auth: null },
        { host: 'relay.example', port: 25, tls: 'required', auth: null },
      ],
    );
  });

  void it('rejects other schemes and modes without echoing the password', () => {
    assert.throws(() => parseSmtpRelays(['http://relay.example']), /not smtp: or smtps:/);
    assert.throws(() => parseSmtpRelays(['smtp://relay.example?tls=maybe']), /unknown TLS mode/);
    assert.throws(
      () => parseSmtpRelays(['smtp://user:secret@ bad host']),
      (error: Error) => !error.message.includes('secret'),
    );
  });
});

/** The blob store with one key that cannot be read (a store outage, as far as that key goes). */
class UnreadableKey implements BlobStore {
  readonly #inner: BlobStore;
  readonly #key: string;

  constructor(inner: BlobStore, key: string) {
    this.#inner = inner;
    this.#key = key;
  }

  put(...args: Parameters<BlobStore['put']>) {
    return this.#inner.put(...args);
  }

  get(key: string, options?: { ifNoneMatch?: string }) {
    if (key === this.#key) return Promise.reject(new Error('blob store unavailable'));
    return this.#inner.get(key, options);
  }

  delete(key: string) {
    return this.#inner.delete(key);
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) assert.fail('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
