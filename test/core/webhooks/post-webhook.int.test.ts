import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { Dns, Keys } from '../../../core/ports.ts';
import { FileKeys } from '../../../core/local/file-keys.ts';
import {
  CONNECTION_ERROR,
  TIMED_OUT,
  TLS_ERROR,
  postWebhook,
  resolvePublicAddress,
  send,
} from '../../../core/webhooks/post-webhook.ts';
import { webhookEnvelope } from '../../../core/webhooks/webhook-job.ts';
import { ZoneDns } from '../../fakes/zone-dns.ts';
import { startReceiver, type Receiver } from '../../helpers/webhook-fixtures.ts';
import packageJson from '../../../package.json' with { type: 'json' };

const body = webhookEnvelope({
  event: 'MessageSent',
  timestamp: 1_764_072_000.25,
  // Non-ASCII text, so that bytes and characters differ.
  payload: { message: { id: 1, subject: 'Grüße – ✓' }, status: 'Sent' },
  eventUuid: '3f1c0a52-7c1e-4c7e-9a51-0d2b9e6f4a11',
});

describe('posting a webhook', () => {
  let receiver: Receiver;
  let keys: Keys;
  let keyDir: string;
  const ctx = (allowPrivateTargets: boolean, dns: Dns = new ZoneDns({})) => ({
    allowPrivateTargets,
    dns,
    keys,
  });

  before(async () => {
    receiver = await startReceiver();
    keyDir = mkdtempSync(join(tmpdir(), 'postern-webhook-keys-'));
    keys = await FileKeys.open(keyDir);
  });
  after(async () => {
    await receiver.close();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('sends the envelope as JSON with signatures that verify over the bytes received', async () => {
    receiver.reply({ status: 200, body: 'thanks' });
    const response = await postWebhook(ctx(true), receiver.url, body);
    assert.deepEqual(response, { statusCode: 200, body: 'thanks', error: null });
    const received = receiver.requests.at(-1);
    assert.ok(received);
    assert.equal(received.method, 'POST');
    assert.equal(received.path, '/hooks');
    assert.equal(received.body.toString('utf8'), body);
    assert.deepEqual(Object.keys(JSON.parse(received.body.toString('utf8'))), [
      'event',
      'timestamp',
      'payload',
      'uuid',
    ]);
    assert.equal(received.headers['content-type'], 'application/json');
    assert.equal(received.headers['content-length'], String(Buffer.byteLength(body)));
    assert.equal(received.headers['user-agent'], `Postern/${packageJson.version}`);
    const key = await keys.signingKey();
    assert.equal(received.headers['x-postal-signature-kid'], key.kid);
    const sha1 = Buffer.from(String(received.headers['x-postal-signature']), 'base64');
    const sha256 = Buffer.from(String(received.headers['x-postal-signature-256']), 'base64');
    assert.equal(verify('sha1', received.body, key.publicKeyPem, sha1), true);
    assert.equal(verify('sha256', received.body, key.publicKeyPem, sha256), true);
    assert.equal(verify('sha256', Buffer.from(`${body} `), key.publicKeyPem, sha256), false);
  });

  it('sends the URL userinfo as basic auth and not in the request line', async () => {
    receiver.reply({ status: 204 });
    const url = `http://hook%40user:p%3Ass@127.0.0.1:${receiver.port}/hooks?x=1`;
    const response = await postWebhook(ctx(true), url, body);
    assert.equal(response.statusCode, 204);
    const received = receiver.requests.at(-1);
    assert.equal(received?.path, '/hooks?x=1');
    assert.equal(
      received?.headers.authorization,
      `Basic ${Buffer.from('hook@user:p:ss').toString('base64')}`,
    );
  });

  it('reports an HTTP error with the start of its body', async () => {
    receiver.reply({ status: 500, body: 'x'.repeat(5000) });
    const response = await postWebhook(ctx(true), receiver.url, body, { bodyLimitBytes: 1024 });
    assert.equal(response.statusCode, 500);
    assert.equal(response.body, 'x'.repeat(1024));
    assert.equal(response.error, null);
  });

  it('gives up after the timeout with -1', async () => {
    receiver.reply('hang');
    const response = await postWebhook(ctx(true), receiver.url, body, { timeoutMs: 200 });
    assert.deepEqual(response, { statusCode: TIMED_OUT, body: null, error: 'Timed out after 0.2s' });
    receiver.reply({ status: 200 });
  });

  it('reports a refused connection with -2', async () => {
    const port = await closedPort();
    const response = await postWebhook(ctx(true), `http://127.0.0.1:${port}/`, body);
    assert.equal(response.statusCode, CONNECTION_ERROR);
    assert.match(response.error ?? '', /ECONNREFUSED/);
  });

  it('reports TLS failures with -3', async () => {
    const plain = await postWebhook(ctx(true), `https://127.0.0.1:${receiver.port}/hooks`, body);
    assert.equal(plain.statusCode, TLS_ERROR, String(plain.error));
    const tls = await selfSignedServer();
    try {
      const untrusted = await postWebhook(ctx(true), `https://localhost:${tls.port}/`, body);
      assert.equal(untrusted.statusCode, TLS_ERROR, String(untrusted.error));
      assert.match(untrusted.error ?? '', /^TLS error: /);
    } finally {
      tls.server.closeAllConnections();
      await new Promise((resolve) => tls.server.close(resolve));
    }
  });

  describe('when private targets are not allowed', () => {
    it('refuses private literals and loopback names without connecting', async () => {
      const count = receiver.requests.length;
      const dns = new ZoneDns({});
      for (const url of [
        receiver.url,
        `http://localhost:${receiver.port}/`,
        `http://[::1]:${receiver.port}/`,
      ]) {
        const response = await postWebhook(ctx(false, dns), url, body);
        assert.equal(response.statusCode, CONNECTION_ERROR, url);
        assert.match(response.error ?? '', /^refused: .* is not a public address/, url);
      }
      assert.deepEqual(dns.calls, []);
      assert.equal(receiver.requests.length, count);
    });

    it('refuses a name that resolves to a private address', async () => {
      const count = receiver.requests.length;
      const dns = new ZoneDns({ 'hooks.example.com': { A: ['127.0.0.1'], AAAA: ['fd00::1'] } });
      const response = await postWebhook(ctx(false, dns), `http://hooks.example.com:${receiver.port}/`, body);
      assert.equal(response.statusCode, CONNECTION_ERROR);
      assert.equal(
        response.error,
        'refused: hooks.example.com resolves to 127.0.0.1, not a public address (loopback)',
      );
      assert.equal(receiver.requests.length, count);
    });

    it('reports a name without addresses as a connection error', async () => {
      const response = await postWebhook(ctx(false), 'http://nowhere.example.com/', body);
      assert.deepEqual(response, {
        statusCode: CONNECTION_ERROR,
        body: null,
        error: 'nowhere.example.com has no A or AAAA record',
      });
    });

    it('picks a public address with one lookup per family', async () => {
      const dns = new ZoneDns({
        'mixed.example.com': { A: ['10.0.0.1', '93.184.216.34'] },
        'six.example.com': { AAAA: ['2606:2800:220:1::1'] },
      });
      assert.deepEqual(await resolvePublicAddress(dns, 'mixed.example.com'), {
        address: '93.184.216.34',
        family: 4,
      });
      assert.deepEqual(await resolvePublicAddress(dns, 'six.example.com'), {
        address: '2606:2800:220:1::1',
        family: 6,
      });
      assert.deepEqual(await resolvePublicAddress(dns, '93.184.216.34'), {
        address: '93.184.216.34',
        family: 4,
      });
      assert.deepEqual(dns.calls, [
        { type: 'A', name: 'mixed.example.com' },
        { type: 'A', name: 'six.example.com' },
        { type: 'AAAA', name: 'six.example.com' },
      ]);
    });

    it('connects to the checked address, keeping the name for the Host header', async () => {
      // hooks.invalid resolves nowhere (RFC 6761): reaching the receiver proves no second lookup.
      const target = new URL(`http://hooks.invalid:${receiver.port}/pinned`);
      receiver.reply({ status: 202 });
      const response = await send(
        target,
        Buffer.from(body),
        { 'Content-Type': 'application/json' },
        { address: '127.0.0.1', family: 4 },
        { timeoutMs: 2000, bodyLimitBytes: 1024 },
      );
      assert.equal(response.statusCode, 202, String(response.error));
      const received = receiver.requests.at(-1);
      assert.equal(received?.path, '/pinned');
      assert.equal(received?.headers.host, `hooks.invalid:${receiver.port}`);
      receiver.reply({ status: 200 });
    });
  });

  it('reaches private addresses when they are allowed', async () => {
    receiver.reply({ status: 200 });
    const response = await postWebhook(ctx(true), receiver.url, body);
    assert.equal(response.statusCode, 200);
  });
});

async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function selfSignedServer(): Promise<{ server: HttpsServer; port: number }> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'rsa',
    keySize: 2048,
  });
  const server = createHttpsServer({ key: pems.private, cert: pems.cert }, (_request, response) => {
    response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}
