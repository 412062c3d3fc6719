import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { acceptedPointerKey, AcceptedPointer } from '../../../core/messages/accept-message.ts';
import { CREDENTIAL_ID, SERVER_ID, testServer } from '../../helpers/policy-fixtures.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import type { AppContext } from '../../../core/context.ts';
import {
  API_CREDENTIAL_ID,
  API_KEY,
  apiClient,
  apiSnapshot,
  createApiFixture,
  type ApiFixture,
} from './api-fixture.ts';

const valid = {
  to: ['john@example.net'],
  from: 'App <app@example.com>',
  subject: 'Hello',
  plain_body: 'Hi John',
};

const addresses = (count: number, domain = 'example.net') =>
  Array.from({ length: count }, (_, i) => `user${i}@${domain}`);

const attachment = {
  name: 'a.txt',
  content_type: 'text/plain',
  data: Buffer.from('hello').toString('base64'),
};

// Each case breaks one more rule than the next, so only Postal's order picks the expected code.
const errorCases: { code: string; message: string; params: Record<string, unknown> }[] = [
  {
    code: 'NoRecipients',
    message: 'There are no recipients defined to receive this message',
    params: { from: 'x@nowhere.test', attachments: [{}] },
  },
  {
    code: 'TooManyToAddresses',
    message: 'The maximum number of To addresses has been reached (maximum 50)',
    params: { to: addresses(51), cc: addresses(51), from: 'x@nowhere.test' },
  },
  {
    code: 'TooManyCCAddresses',
    message: 'The maximum number of CC addresses has been reached (maximum 50)',
    params: { to: addresses(50), cc: addresses(51), bcc: addresses(51), from: 'x@nowhere.test' },
  },
  {
    code: 'TooManyBCCAddresses',
    message: 'The maximum number of BCC addresses has been reached (maximum 50)',
    params: { to: addresses(1), bcc: addresses(51), from: 'x@nowhere.test' },
  },
  {
    code: 'NoContent',
    message: 'There is no content defined for this e-mail',
    params: { to: addresses(1), plain_body: '  ', from: null },
  },
  {
    code: 'FromAddressMissing',
    message: 'The From address is missing and is required',
    params: { to: addresses(1), html_body: '<p>x</p>', from: '', attachments: [{}] },
  },
  {
    code: 'UnauthenticatedFromAddress',
    message: 'The From address is not authorised to send mail from this server',
    params: { to: addresses(1), plain_body: 'x', from: 'x@nowhere.test', attachments: [{}] },
  },
  {
    code: 'AttachmentMissingName',
    message: 'An attachment is missing a name',
    params: { ...valid, attachments: [{ data: 'aGk=' }, { name: 'b.txt' }] },
  },
  {
    code: 'AttachmentMissingData',
    message: 'An attachment is missing data',
    params: { ...valid, attachments: ['not an object', attachment, { name: 'b.txt', data: '' }] },
  },
];

for (const dialect of DIALECTS) {
  void describe(`${dialect}: POST /api/v1/send/message`, () => {
    let fixture: ApiFixture;
    before(async () => {
      fixture = await createApiFixture(dialect);
    });
    after(() => fixture.close());

    void describe('authentication, from the policy snapshot', () => {
      void it('answers AccessDenied without a key', async () => {
        const reply = await fixture.api.call('send/message', valid, { key: null });
        assert.equal(reply.httpStatus, 200);
        assert.equal(reply.body.status, 'error');
        assert.deepEqual(reply.body.flags, {});
        assert.deepEqual(reply.body.data, {
          message: 'Must be authenticated as a server.',
          code: 'AccessDenied',
        });
      });

      void it('answers InvalidServerAPIKey with the token echoed for a wrong key', async () => {
        const reply = await fixture.api.call('send/message', valid, { key: 'wrong-key' });
        assert.deepEqual(reply.body.data, {
          message: 'The API token provided in X-Server-API-Key was not valid.',
          token: 'wrong-key',
          code: 'InvalidServerAPIKey',
        });
      });

      void it('does not take an SMTP key for an API key', async () => {
        const reply = await fixture.api.call('send/message', valid, { key: 'Kx7mQ2pR9sT4vW8yZ3bC6dF1' });
        assert.equal(reply.body.data.code, 'InvalidServerAPIKey');
      });

      void it('answers ServerSuspended for a suspended server', async () => {
        fixture.snapshots.push(apiSnapshot({ version: 2, servers: [testServer({ suspended: true })] }));
        try {
          const reply = await fixture.api.call('send/message', valid);
          assert.deepEqual(reply.body.data, { code: 'ServerSuspended' });
        } finally {
          fixture.snapshots.push(apiSnapshot({ version: 3 }));
        }
      });

      void it('answers ServiceUnavailable while no snapshot is loaded, reading no parameter first', async () => {
        const saved = fixture.snapshots.splice(0);
        try {
          const reply = await fixture.api.call('send/message', {}, { raw: '{not json' });
          assert.equal(reply.body.status, 'error');
          assert.equal(reply.body.data.code, 'ServiceUnavailable');
        } finally {
          fixture.snapshots.push(...saved);
        }
      });
    });

    void describe("validation, in Postal's order", () => {
      for (const { code, message, params } of errorCases) {
        void it(`answers ${code}`, async () => {
          const reply = await fixture.api.call('send/message', params);
          assert.equal(reply.httpStatus, 200);
          assert.equal(reply.body.status, 'error');
          assert.deepEqual(reply.body.data, { message, code });
          assert.equal(typeof reply.body.time, 'number');
        });
      }

      void it('accepts exactly 50 addresses in each of to, cc and bcc', async () => {
        const reply = await fixture.api.call('send/message', {
          ...valid,
          to: addresses(50, 'to.test'),
          cc: addresses(50, 'cc.test'),
          bcc: addresses(50, 'bcc.test'),
        });
        assert.equal(reply.body.status, 'success');
        assert.equal(Object.keys(reply.body.data.messages).length, 150);
        await fixture.takeEnvelopes();
      });

      void it("records the domain that authorized the sender: Sender's with allow_sender, else a use_for_any domain", async () => {
        const ownDomain = {
          id: 1000,
          name: 'example.com',
          verified: true,
          useForAny: false,
          organizationLevel: false,
        };
        const anyDomain = {
          id: 1001,
          name: 'any.example',
          verified: true,
          useForAny: true,
          organizationLevel: false,
        };
        fixture.snapshots.push(apiSnapshot({ version: 4, servers: [testServer({ allowSender: true })] }));
        try {
          const sent = await fixture.api.call('send/message', {
            ...valid,
            from: 'someone@elsewhere.test',
            sender: 'App <app@example.com>',
          });
          assert.equal(sent.body.status, 'success');
          const refused = await fixture.api.call('send/message', {
            ...valid,
            from: 'someone@elsewhere.test',
          });
          assert.equal(refused.body.data.code, 'UnauthenticatedFromAddress');
          fixture.snapshots.push(
            apiSnapshot({ version: 5, servers: [testServer({ domains: [ownDomain, anyDomain] })] }),
          );
          const raw = Buffer.from('From: someone@elsewhere.test\r\n\r\nhi\r\n').toString('base64');
          const viaAny = await fixture.api.call('send/raw', {
            mail_from: 'someone@elsewhere.test',
            rcpt_to: ['a@b.test'],
            data: raw,
          });
          assert.equal(viaAny.body.status, 'success');
        } finally {
          fixture.snapshots.push(apiSnapshot({ version: 6 }));
        }
        assert.deepEqual(
          (await fixture.takeEnvelopes()).map((envelope) => envelope.senderDomainId),
          [1000, 1001],
        );
      });
    });

    void it('accepts a message: ids per unique recipient, the raw message stored, the envelope queued', async () => {
      const reply = await fixture.api.call('send/message', {
        to: 'John <John@Example.net>, mary@example.net',
        cc: ['Mary <MARY@example.net>', 'carl@example.net'],
        bcc: ['hidden@example.net', 'john@example.net'],
        from: 'App <app@example.com>',
        sender: 'app@example.com',
        subject: 'Héllo',
        reply_to: 'replies@example.com',
        plain_body: 'Plain ü',
        html_body: '<p>HTML ü</p>',
        tag: 'welcome',
        headers: { 'X-Campaign': 'spring', Subject: 'overridden', Bcc: 'leak@example.net' },
        attachments: [attachment, { name: 'data.bin', data: Buffer.from([0, 1, 2, 255]).toString('base64') }],
        unknown_field: 'ignored, as Postal ignores it',
      });
      assert.equal(reply.httpStatus, 200);
      assert.equal(reply.body.status, 'success', JSON.stringify(reply.body));
      assert.match(String(reply.body.time), /^\d+(\.\d{1,3})?$/);
      const { message_id: messageId, messages } = reply.body.data;
      assert.match(
        messageId,
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}@rp\.postern\.test$/,
      );
      assert.deepEqual(Object.keys(messages), [
        'John@Example.net',
        'mary@example.net',
        'carl@example.net',
        'hidden@example.net',
      ]);
      for (const entry of Object.values<{ id: number; token: string }>(messages)) {
        assert.ok(Number.isSafeInteger(entry.id) && entry.id > 0);
        assert.match(entry.token, /^[A-Za-z0-9]{16}$/);
      }

      const [envelope, ...rest] = await fixture.takeEnvelopes();
      assert.equal(rest.length, 0);
      assert.ok(envelope);
      assert.equal(envelope.serverId, SERVER_ID);
      assert.equal(envelope.via, 'api');
      assert.equal(envelope.credentialId, API_CREDENTIAL_ID);
      assert.equal(envelope.mailFrom, 'app@example.com');
      assert.equal(envelope.tag, 'welcome');
      assert.equal(envelope.bounce, false);
      assert.equal(envelope.tls, true);
      assert.equal(envelope.clientIp, '203.0.113.9');
      assert.deepEqual(
        envelope.recipients.map((r) => [r.address, r.kind, r.messageId, r.token]),
        Object.entries<{ id: number; token: string }>(messages).map(([, { id, token }], i) => [
          ['John@Example.net', 'mary@example.net', 'carl@example.net', 'hidden@example.net'][i],
          'outgoing',
          id,
          token,
        ]),
      );

      const raw = await fixture.blob(envelope.rawKey);
      assert.ok(raw);
      assert.equal(envelope.size, raw.length);
      const text = raw.toString('utf8');
      const head = text.slice(0, text.indexOf('\r\n\r\n'));
      assert.doesNotMatch(text, /^Bcc:/im, 'no Bcc header');
      assert.doesNotMatch(text, /hidden@example\.net|leak@example\.net/, 'Bcc recipients appear nowhere');
      assert.match(
        head,
        /^Received: from api \(203\.0\.113\.9 \[203\.0\.113\.9\]\) by postern\.test with HTTP;\r\n [A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000\r\n/,
      );
      assert.deepEqual(
        head
          .split(/\r\n(?![ \t])/)
          .map((line) => line.slice(0, line.indexOf(':')))
          .filter((name) => !['Received', 'MIME-Version', 'Content-Type', 'Date'].includes(name)),
        ['X-Campaign', 'To', 'Cc', 'From', 'Sender', 'Subject', 'Reply-To', 'Message-ID'],
        'custom headers first, then To, Cc, From, Sender, Subject, Reply-To',
      );
      assert.match(head, new RegExp(`^Message-ID: <${messageId.replaceAll('.', '\\.')}>$`, 'm'));

      const parsed = await simpleParser(raw);
      assert.equal(parsed.subject, 'Héllo');
      assert.equal(parsed.text?.trim(), 'Plain ü');
      assert.equal(typeof parsed.html === 'string' && parsed.html.trim(), '<p>HTML ü</p>');
      assert.equal(parsed.messageId, `<${messageId}>`);
      assert.equal(parsed.headers.get('x-campaign'), 'spring');
      assert.deepEqual(
        parsed.attachments.map((a) => [a.filename, a.contentType, a.content.toString('hex')]),
        [
          ['a.txt', 'text/plain', Buffer.from('hello').toString('hex')],
          ['data.bin', 'application/octet-stream', '000102ff'],
        ],
      );
      assert.match(
        String(
          parsed.headers.get('content-type') &&
            (parsed.headers.get('content-type') as { value: string }).value,
        ),
        /^multipart\/mixed$/,
      );
      const addressesOf = (name: string) =>
        [parsed.headers.get(name)]
          .flat()
          .flatMap((value) => (value as { value: { address: string }[] }).value.map((a) => a.address));
      // nodemailer writes domains in lower case (their punycode form); local parts stay as given.
      assert.deepEqual(addressesOf('to'), ['John@example.net', 'mary@example.net']);
      assert.deepEqual(addressesOf('cc'), ['MARY@example.net', 'carl@example.net']);
      assert.deepEqual(addressesOf('from'), ['app@example.com']);
      assert.deepEqual(addressesOf('reply-to'), ['replies@example.com']);

      for (const [address, { id, token }] of Object.entries<{ id: number; token: string }>(messages)) {
        const pointer = AcceptedPointer.parse(
          JSON.parse((await fixture.blob(acceptedPointerKey(id)))!.toString()),
        );
        assert.equal(pointer.serverId, SERVER_ID);
        assert.equal(pointer.token, token);
        assert.equal(pointer.address, address, 'keyed by the address as written');
        assert.equal(pointer.rawKey, envelope.rawKey);
      }
    });

    void it('accepts with no database but the id leases (ARCHITECTURE principle 1)', async () => {
      const unreachable = new Proxy(
        {},
        {
          get() {
            throw new Error('the accept step used the database');
          },
        },
      ) as AppContext['db'];
      // ctx.ids keeps its own handle: leasing a block of ids is the one database use allowed.
      const api = apiClient({ ...fixture.ctx, db: unreachable });
      assert.equal((await api.call('send/message', valid)).body.status, 'success');
      const data = Buffer.from('From: app@example.com\r\n\r\nhi\r\n').toString('base64');
      const raw = await api.call('send/raw', { mail_from: 'app@example.com', rcpt_to: ['a@b.test'], data });
      assert.equal(raw.body.status, 'success');
      assert.equal((await fixture.takeEnvelopes()).length, 2);
    });

    void it('builds multipart/alternative (text, then html) without attachments, and text alone without', async () => {
      await fixture.api.call('send/message', { ...valid, html_body: '<b>x</b>' });
      await fixture.api.call('send/message', valid);
      const [both, plain] = await fixture.takeEnvelopes();
      const bothRaw = (await fixture.blob(both!.rawKey))!.toString();
      assert.match(bothRaw, /^Content-Type: multipart\/alternative;/m);
      assert.ok(bothRaw.indexOf('Content-Type: text/plain') < bothRaw.indexOf('Content-Type: text/html'));
      assert.match(bothRaw, /Content-Type: text\/html; charset=utf-8/);
      const plainRaw = (await fixture.blob(plain!.rawKey))!.toString();
      assert.match(plainRaw, /^Content-Type: text\/plain; charset=utf-8$/m);
    });

    void it('sends a bounce with the flag on its envelope, and leaves out Received details in privacy mode', async () => {
      fixture.snapshots.push(apiSnapshot({ version: 6, servers: [testServer({ privacyMode: true })] }));
      try {
        const reply = await fixture.api.call('send/message', { ...valid, bounce: true });
        assert.equal(reply.body.status, 'success');
      } finally {
        fixture.snapshots.push(apiSnapshot({ version: 7 }));
      }
      const [envelope] = await fixture.takeEnvelopes();
      assert.equal(envelope?.bounce, true);
      const raw = (await fixture.blob(envelope!.rawKey))!.toString();
      assert.match(raw, /^Received: by postern\.test with HTTP; /m);
    });

    void it('reads a form body whose `params` field holds JSON, and any method Postal routes', async () => {
      const form = await fixture.api.call('send/message', valid, { form: true });
      assert.equal(form.body.status, 'success');
      for (const method of ['GET', 'PUT', 'PATCH']) {
        const reply = await fixture.api.call('send/message', valid, { method, form: true });
        assert.equal(reply.body.status, 'success', method);
      }
      const query = await fixture.api.call('send/message', undefined, {
        method: 'GET',
        query: new URLSearchParams({ params: JSON.stringify(valid) }).toString(),
      });
      assert.equal(query.body.status, 'success');
      assert.equal((await fixture.takeEnvelopes()).length, 5);
    });

    void it('answers parameter-error for a body that is not JSON', async () => {
      const reply = await fixture.api.call('send/message', undefined, { raw: '{"to":' });
      assert.equal(reply.httpStatus, 200);
      assert.equal(reply.body.status, 'parameter-error');
      assert.equal(typeof reply.body.data.message, 'string');
    });

    void it('answers 404 for a path or method Postal does not route', async () => {
      assert.equal((await fixture.api.call('send/nothing', valid)).httpStatus, 404);
      assert.equal((await fixture.api.call('send/message', valid, { method: 'DELETE' })).httpStatus, 404);
    });

    void it('keeps the credential of the key used, for holds downstream', async () => {
      await fixture.api.call('send/message', valid, { key: API_KEY });
      const [envelope] = await fixture.takeEnvelopes();
      assert.equal(envelope?.credentialId, API_CREDENTIAL_ID);
      assert.notEqual(envelope?.credentialId, CREDENTIAL_ID);
    });
  });
}
