import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, createVerify, type JsonWebKey } from 'node:crypto';
import postal from '@atech/postal';
import { DIALECTS } from '../helpers/databases.ts';
import { logIn, startTestRuntime, type TestRuntime } from '../helpers/local-runtime.ts';
import { startRemoteMx, type RemoteMx } from '../helpers/remote-mx.ts';
import { eventually } from '../helpers/eventually.ts';
import { startReceiver, type Receiver } from '../helpers/webhook-fixtures.ts';
import { redirectGlobalHttps, startHttpsFrontForPort, type HttpsFront } from '../helpers/https-redirect.ts';
import { verifyDkim } from '../core/dkim/mailauth-verify.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The official Postal client, unchanged, sends a message and a raw message through the running
// platform; both leave through a relay (POSTERN_SMTP_RELAYS) to a test SMTP server, signed with
// DKIM; MessageSent reaches a webhook receiver signed with the key /.well-known/jwks.json publishes.

for (const dialect of DIALECTS) {
  describe(`${dialect}: the Postal client, end to end`, () => {
    let t: TestRuntime;
    let relay: RemoteMx;
    let receiver: Receiver;
    let front: HttpsFront;
    let restore: () => void;

    before(async () => {
      relay = await startRemoteMx();
      receiver = await startReceiver();
      t = await startTestRuntime(dialect, { POSTERN_SMTP_RELAYS: `smtp://127.0.0.1:${relay.port}` });
      const token = await logIn(t.baseUrl, t.adminEmail, t.adminPassword);
      const server = `${t.baseUrl}/management/v1/organizations/sample/servers/development`;
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      await fetch(server, { method: 'PATCH', headers, body: JSON.stringify({ mode: 'Live' }) });
      const hook = await fetch(`${server}/webhooks`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'sent', url: receiver.url, all_events: false, events: ['MessageSent'] }),
      });
      assert.equal(hook.status, 201);
      front = await startHttpsFrontForPort(t.runtime.ports.http, 'postern.test');
      restore = redirectGlobalHttps(front.port);
    });
    after(async () => {
      restore();
      await front.close();
      await t.stop();
      await Promise.all([relay.close(), receiver.close()]);
    });

    it('sends a message and a raw message, delivered through the relay, signed, with signed MessageSent webhooks', async () => {
      const client = new postal.Client('postern.test', t.runtime.firstStart!.apiKey);
      const message = new postal.SendMessage(client);
      message.to('reader@elsewhere.test');
      message.from('App <app@example.com>');
      message.subject('From the official client');
      message.plainBody('Hello through a relay');
      const sent = await message.send();
      const id = Object.values(sent.recipients())[0]!.id();

      const raw = new postal.SendRawMessage(client);
      raw.mailFrom('app@example.com');
      raw.rcptTo('raw-reader@elsewhere.test');
      // The client base64-encodes the message itself.
      raw.data(
        'From: app@example.com\r\nTo: raw-reader@elsewhere.test\r\nSubject: Raw\r\nMessage-ID: <raw-1@example.com>\r\n\r\nRaw body\r\n',
      );
      const rawSent = await raw.send();
      const rawId = Object.values(rawSent.recipients())[0]!.id();

      const delivered = await eventually(() => (relay.messages.length >= 2 ? relay.messages : undefined));
      assert.deepEqual(delivered.map((m) => m.to[0]).sort(), [
        'raw-reader@elsewhere.test',
        'reader@elsewhere.test',
      ]);
      const signingKey = readFileSync(join(t.config.dataDir, 'keys', 'signing.pem'), 'utf8');
      for (const each of delivered) {
        const dkim = await verifyDkim(Buffer.from(each.body), [
          { domain: 'rp.postern.test', selector: 'postern', privateKeyPem: signingKey },
        ]);
        assert.deepEqual(dkim.results, ['pass'], dkim.details);
      }

      const jwks = (await (await fetch(`${t.baseUrl}/.well-known/jwks.json`)).json()) as {
        keys: (JsonWebKey & { kid: string })[];
      };
      const jwk = jwks.keys[0]!;
      const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
      const requests = await eventually(() =>
        receiver.requests.length >= 2 ? receiver.requests : undefined,
      );
      const events = requests.map((request) => JSON.parse(request.body.toString('utf8')));
      assert.deepEqual(
        events.map((event) => event.event),
        ['MessageSent', 'MessageSent'],
      );
      assert.deepEqual(events.map((event) => event.payload.message.id).sort(), [id, rawId].sort());
      for (const request of requests) {
        assert.equal(request.headers['x-postal-signature-kid'], jwk.kid);
        const signature = String(request.headers['x-postal-signature-256']);
        assert.ok(createVerify('RSA-SHA256').update(request.body).verify(publicKey, signature, 'base64'));
      }
    });
  });
}
