import { syncCommitted } from '../../../core/db/durability.ts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { loadFunctions } from '../../../bin/local/function-loader.ts';
import { startHttpServer, type LocalHttpServer } from '../../../bin/local/http-server.ts';
import { functions, type FunctionSpec } from '../../../lambdas/topology.ts';
import { SERVER_ID } from '../../helpers/policy-fixtures.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { redirectGlobalHttps, startHttpsFront, type HttpsFront } from '../../helpers/https-redirect.ts';
import { API_KEY, createApiFixture, type ApiFixture } from './api-fixture.ts';

// The official npm client, unchanged, against the handler served by the local runtime's HTTP
// server behind TLS: it only speaks HTTPS to port 443 of the host it is given, so Node's global
// HTTPS agent is pointed at the test server for the duration of the suite.

/** The slice of @atech/postal 1.0.0 (CommonJS, untyped) these tests call. */
import postal from '@atech/postal';

/** The api function as lambdas/topology.ts declares it (or will). */
const apiSpec: FunctionSpec = functions.find((fn) => fn.name === 'api') ?? {
  name: 'api',
  module: 'lambdas/api/handler.ts',
  memoryMb: 512,
  timeoutSeconds: 29,
  triggers: [
    {
      kind: 'http',
      routes: [
        { method: 'ANY', path: '/api/v1/{proxy+}' },
        { method: 'GET', path: '/.well-known/jwks.json' },
      ],
    },
  ],
};

for (const dialect of DIALECTS) {
  void describe(`${dialect}: @atech/postal against the send API over HTTPS`, () => {
    let fixture: ApiFixture;
    let server: LocalHttpServer | undefined;
    let front: HttpsFront | undefined;
    let restore: (() => void) | undefined;

    before(async () => {
      fixture = await createApiFixture(dialect);
      server = await startHttpServer({
        host: '127.0.0.1',
        port: 0,
        functions: await loadFunctions([apiSpec], fixture.ctx),
        localRoutes: [],
        logger: fixture.logger,
        clock: fixture.ctx.clock,
        syncAfterChange: () => syncCommitted(fixture.ctx.db, fixture.ctx.dialect),
      });
      front = await startHttpsFront(server.server, 'postern.test');
      restore = redirectGlobalHttps(front.port);
    });
    after(async () => {
      restore?.();
      await front?.close();
      await server?.close();
      await fixture.close();
    });

    void it('sends a message', async () => {
      const client = new postal.Client('postern.test', API_KEY);
      const message = new postal.SendMessage(client);
      message.to('john@example.net');
      message.to('Mary <Mary@example.net>');
      message.cc('carl@example.net');
      message.bcc('hidden@example.net');
      message.from('App <app@example.com>');
      message.subject('From the official client');
      message.tag('client');
      message.replyTo('replies@example.com');
      message.plainBody('Hello from @atech/postal');
      message.htmlBody('<p>Hello from <b>@atech/postal</b></p>');
      message.header('X-Client', 'atech');
      message.attach('notes.txt', 'text/plain', 'attached text');
      const result = await message.send();

      const recipients = result.recipients();
      assert.deepEqual(Object.keys(recipients), [
        'john@example.net',
        'mary@example.net',
        'carl@example.net',
        'hidden@example.net',
      ]);
      for (const recipient of Object.values(recipients)) {
        assert.ok(recipient.id() > 0);
        assert.match(recipient.token(), /^[A-Za-z0-9]{16}$/);
      }
      assert.ok(front!.connections > 0, 'the request went over TLS');

      const [envelope] = await fixture.takeEnvelopes();
      assert.equal(envelope?.serverId, SERVER_ID);
      assert.equal(envelope?.tag, 'client');
      assert.deepEqual(
        envelope?.recipients.map((r) => r.messageId),
        Object.values(recipients).map((r) => r.id()),
      );
      const parsed = await simpleParser((await fixture.blob(envelope!.rawKey))!);
      assert.equal(parsed.subject, 'From the official client');
      assert.equal(parsed.headers.get('x-client'), 'atech');
      assert.equal(parsed.headers.has('bcc'), false);
      assert.equal(parsed.attachments[0]?.content.toString(), 'attached text');
      assert.equal(parsed.messageId, `<${result.result.message_id}>`);
    });

    void it('sends a raw message', async () => {
      const client = new postal.Client('postern.test', API_KEY);
      const message = new postal.SendRawMessage(client);
      message.mailFrom('app@example.com');
      message.rcptTo('john@example.net');
      message.rcptTo('mary@example.net');
      const raw =
        'From: app@example.com\r\nTo: john@example.net\r\nSubject: Raw\r\nMessage-ID: <raw@example.com>\r\n\r\nHi\r\n';
      message.data(raw);
      const result = await message.send();
      assert.deepEqual(Object.keys(result.recipients()), ['john@example.net', 'mary@example.net']);
      assert.equal(result.result.message_id, 'raw@example.com');
      const [envelope] = await fixture.takeEnvelopes();
      assert.equal((await fixture.blob(envelope!.rawKey))?.toString(), raw);
    });

    void it("rejects with the error's data, as the client expects", async () => {
      const message = new postal.SendMessage(new postal.Client('postern.test', 'not-a-key'));
      message.to('john@example.net');
      message.from('app@example.com');
      message.plainBody('x');
      await assert.rejects(message.send(), (data: { code: string; token: string }) => {
        assert.equal(data.code, 'InvalidServerAPIKey');
        assert.equal(data.token, 'not-a-key');
        return true;
      });
    });
  });
}
