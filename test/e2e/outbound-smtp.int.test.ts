import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, createVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { DIALECTS } from '../helpers/databases.ts';
import { logIn, startTestRuntime, type TestRuntime } from '../helpers/local-runtime.ts';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { startRemoteMx, type RemoteMx } from '../helpers/remote-mx.ts';
import { eventually } from '../helpers/eventually.ts';
import { queueDepths, total } from '../helpers/queue-metrics.ts';
import { startReceiver, type Receiver } from '../helpers/webhook-fixtures.ts';
import { ManualClock } from '../fakes/manual-clock.ts';
import { verifyDkim } from '../core/dkim/mailauth-verify.ts';

const MINUTE = 60_000;

// Mail submitted over SMTP to the running platform is signed and delivered to a remote MX
// found through DNS; a remote that answers 451 twice and then 250 gives SoftFail, SoftFail,
// Sent on Postal's retry schedule (time driven through the Clock port), with a signed webhook
// for each attempt.

for (const dialect of DIALECTS) {
  describe(`${dialect}: outbound mail over SMTP, end to end`, () => {
    let t: TestRuntime;
    let clock: ManualClock;
    let dns: DnsServer;
    let mx: RemoteMx;
    let receiver: Receiver;
    let token: string;
    const server = '/management/v1/organizations/sample/servers/development';

    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${t.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      // The test asserts on the fields it reads.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return { status: response.status, body: (await response.json()) as any };
    };

    before(async () => {
      clock = new ManualClock(Date.now());
      dns = await startDnsServer({
        'remote.test': { MX: [{ exchange: 'mx.remote.test', priority: 10 }] },
        'mx.remote.test': { A: ['127.0.0.1'] },
      });
      mx = await startRemoteMx({
        data: (n) => (n <= 2 ? { code: 451, message: 'Greylisted, try again later' } : null),
      });
      receiver = await startReceiver();
      t = await startTestRuntime(
        dialect,
        { POSTERN_DNS_SERVERS: dns.address, POSTERN_DELIVERY_PORT: String(mx.port) },
        clock,
      );
      token = await logIn(t.baseUrl, t.adminEmail, t.adminPassword);
      assert.equal((await api('PATCH', server, { mode: 'Live' })).status, 200);
      assert.equal(
        (await api('POST', `${server}/webhooks`, { name: 'events', url: receiver.url })).status,
        201,
      );
    });
    after(async () => {
      await t.stop();
      await Promise.all([dns.close(), mx.close(), receiver.close()]);
    });

    it('delivers after two soft fails, on schedule, signed, with a webhook per attempt', async () => {
      const first = t.runtime.firstStart!;
      const transport = createTransport({
        host: '127.0.0.1',
        port: t.runtime.ports.smtp,
        requireTLS: true,
        tls: { rejectUnauthorized: false },
        auth: { user: 'sample/development', pass: first.smtpKey },
      });
      const sent = await transport.sendMail({
        from: 'App <app@example.com>',
        to: 'user@remote.test',
        subject: 'Welcome',
        text: 'Hello from the platform.',
      });
      const id = Number(/queued as (\d+)/.exec(sent.response)?.[1]);
      assert.ok(id > 0, sent.response);

      const statusAfter = (attempts: number) =>
        eventually(async () => {
          const message = await api('GET', `${server}/messages/${id}`);
          const deliveries = (message.body.deliveries ?? []) as { attempt: number | null }[];
          return deliveries.filter((d) => d.attempt !== null).length >= attempts ? message.body : undefined;
        });

      // Each wait spans more than one poll of the queues (1 s when idle), so an early retry shows.
      const pollsPass = () => new Promise((resolve) => setTimeout(resolve, 1500));
      // Time jumps only once an attempt's webhook is delivered and every job but the retry is
      // done: minutes passing at once would outlast the visibility timeout of a job still in
      // hand, and its queue would rightly hand it out again (a second MessageDelayed).
      const settledAfter = (webhooks: number) =>
        eventually(async () => {
          if (receiver.requests.length < webhooks) return undefined;
          const depths = await queueDepths(t.baseUrl);
          const busy = Object.entries(depths).some(
            ([queue, states]) => queue !== 'process' && !queue.endsWith('-dlq') && total(states) > 0,
          );
          return busy ? undefined : true;
        });
      const afterFirst = await statusAfter(1);
      assert.equal(afterFirst.status, 'SoftFail');
      assert.equal(mx.transactions, 1);
      await settledAfter(1);
      clock.advance(5 * MINUTE - 1000);
      await pollsPass();
      assert.equal(mx.transactions, 1, 'not retried before 5 minutes');
      clock.advance(1000);
      assert.equal((await statusAfter(2)).status, 'SoftFail');
      assert.equal(mx.transactions, 2);
      await settledAfter(2);
      clock.advance(6.5 * MINUTE - 1000);
      await pollsPass();
      assert.equal(mx.transactions, 2, 'not retried before 6.5 minutes more');
      clock.advance(1000);
      const done = await statusAfter(3);
      assert.equal(done.status, 'Sent');
      assert.deepEqual(
        done.deliveries.map((d: { status: string }) => d.status),
        ['SoftFail', 'SoftFail', 'Sent'],
      );

      const [delivered] = mx.messages;
      assert.ok(delivered);
      assert.deepEqual(delivered.to, ['user@remote.test']);
      assert.match(delivered.from, /\+\d+\.[0-9a-f]{10}@rp\.postern\.test$/);
      const signingKey = readFileSync(join(t.config.dataDir, 'keys', 'signing.pem'), 'utf8');
      const dkim = await verifyDkim(Buffer.from(delivered.body), [
        { domain: 'rp.postern.test', selector: 'postern', privateKeyPem: signingKey },
      ]);
      assert.deepEqual(dkim.results, ['pass'], dkim.details);

      const requests = await eventually(() =>
        receiver.requests.length >= 3 ? receiver.requests : undefined,
      );
      const events = requests.map((request) => JSON.parse(request.body.toString('utf8')));
      assert.deepEqual(
        events.map((event) => event.event),
        ['MessageDelayed', 'MessageDelayed', 'MessageSent'],
      );
      const publicKey = createPublicKey(signingKey);
      for (const [index, request] of requests.entries()) {
        assert.equal(events[index].payload.message.id, id);
        const signature = String(request.headers['x-postal-signature-256']);
        assert.ok(createVerify('RSA-SHA256').update(request.body).verify(publicKey, signature, 'base64'));
      }
      const jwks = (await (await fetch(`${t.baseUrl}/.well-known/jwks.json`)).json()) as {
        keys: { kid: string }[];
      };
      assert.equal(jwks.keys[0]?.kid, requests[0]?.headers['x-postal-signature-kid']);
    });
  });
}
