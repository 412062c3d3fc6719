import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SERVER_ID, testServer } from '../../helpers/policy-fixtures.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { API_CREDENTIAL_ID, apiSnapshot, createApiFixture, type ApiFixture } from './api-fixture.ts';

const message = (headers: string) =>
  `${headers}\r\nSubject: Raw\r\nMessage-ID: <raw-1@example.com>\r\n\r\nBody with From: x@evil.test\r\n`;
const base64 = (text: string) => Buffer.from(text).toString('base64');
const valid = {
  mail_from: 'app@example.com',
  rcpt_to: ['john@example.net'],
  data: base64(message('From: App <app@example.com>')),
};

// Each case also breaks the rules checked after it.
const parameterCases: { message: string; params: Record<string, unknown> }[] = [
  { message: '`rcpt_to` parameter is required but is missing', params: { rcpt_to: 'john@example.net' } },
  { message: '`mail_from` parameter is required but is missing', params: { rcpt_to: [], mail_from: ' ' } },
  { message: '`data` parameter is required but is missing', params: { rcpt_to: [], mail_from: 'a@b.test' } },
];

for (const dialect of DIALECTS) {
  void describe(`${dialect}: POST /api/v1/send/raw`, () => {
    let fixture: ApiFixture;
    before(async () => {
      fixture = await createApiFixture(dialect);
    });
    after(() => fixture.close());

    for (const { message: text, params } of parameterCases) {
      void it(`answers parameter-error: ${text}`, async () => {
        const reply = await fixture.api.call('send/raw', params);
        assert.equal(reply.httpStatus, 200);
        assert.deepEqual(
          { status: reply.body.status, data: reply.body.data },
          {
            status: 'parameter-error',
            data: { message: text },
          },
        );
      });
    }

    void it('answers UnauthenticatedFromAddress, with no message, when a From address is foreign', async () => {
      const data = base64(message('From: App <app@example.com>, Other <x@elsewhere.test>'));
      const reply = await fixture.api.call('send/raw', { ...valid, data });
      assert.deepEqual(reply.body.data, { code: 'UnauthenticatedFromAddress' });
    });

    void it('reads From and Sender from the header block only', async () => {
      const foreign = base64('Subject: x\r\n\r\nFrom: app@example.com\r\n');
      assert.equal(
        (await fixture.api.call('send/raw', { ...valid, data: foreign })).body.data.code,
        'UnauthenticatedFromAddress',
      );
      fixture.snapshots.push(apiSnapshot({ version: 2, servers: [testServer({ allowSender: true })] }));
      try {
        const vouched = base64(message('From: x@elsewhere.test\r\nSender: app@example.com'));
        assert.equal(
          (await fixture.api.call('send/raw', { ...valid, data: vouched })).body.status,
          'success',
        );
      } finally {
        fixture.snapshots.push(apiSnapshot({ version: 3 }));
      }
      await fixture.takeEnvelopes();
    });

    void it('stores the message unchanged for each unique recipient and answers its Message-ID', async () => {
      const raw = message('From: App <app@example.com>');
      const reply = await fixture.api.call('send/raw', {
        mail_from: 'bounces@example.com',
        rcpt_to: ['John@example.net', 'john@example.net', 'mary@example.net'],
        data: base64(raw),
        bounce: true,
        ignored: 'unknown fields are ignored',
      });
      assert.equal(reply.body.status, 'success', JSON.stringify(reply.body));
      assert.equal(reply.body.data.message_id, 'raw-1@example.com');
      assert.deepEqual(
        Object.keys(reply.body.data.messages),
        ['John@example.net', 'mary@example.net'],
        'keyed as written, each address once whatever its case',
      );
      const [envelope] = await fixture.takeEnvelopes();
      assert.ok(envelope);
      assert.equal(envelope.serverId, SERVER_ID);
      assert.equal(envelope.credentialId, API_CREDENTIAL_ID);
      assert.equal(envelope.mailFrom, 'bounces@example.com');
      assert.equal(envelope.bounce, true);
      assert.equal(envelope.tag, null);
      assert.deepEqual(
        envelope.recipients.map((r) => [r.address, r.messageId, r.token]),
        [
          [
            'John@example.net',
            reply.body.data.messages['John@example.net'].id,
            reply.body.data.messages['John@example.net'].token,
          ],
          [
            'mary@example.net',
            reply.body.data.messages['mary@example.net'].id,
            reply.body.data.messages['mary@example.net'].token,
          ],
        ],
      );
      assert.equal(
        (await fixture.blob(envelope.rawKey))?.toString(),
        raw,
        'no Received header, nothing changed',
      );
    });

    void it('answers a null message_id when the message has no Message-ID header', async () => {
      const reply = await fixture.api.call('send/raw', {
        ...valid,
        data: base64('From: app@example.com\r\nSubject: none\r\n\r\nbody\r\n'),
      });
      assert.equal(reply.body.status, 'success');
      assert.equal(reply.body.data.message_id, null);
      await fixture.takeEnvelopes();
    });

    void it('creates nothing for an empty rcpt_to, and still succeeds, as Postal does', async () => {
      const reply = await fixture.api.call('send/raw', { ...valid, rcpt_to: [] });
      assert.deepEqual(reply.body.data, { message_id: null, messages: {} });
      assert.deepEqual(await fixture.takeEnvelopes(), []);
    });

    void it('refuses a recipient or sender with a line break, which would reach an SMTP command', async () => {
      const rcpt = await fixture.api.call('send/raw', {
        ...valid,
        rcpt_to: ['a@b.test\r\nRCPT TO:<x@y.test>'],
      });
      assert.equal(rcpt.body.status, 'parameter-error');
      const from = await fixture.api.call('send/raw', { ...valid, mail_from: 'a@b.test\r\nDATA' });
      assert.equal(from.body.status, 'parameter-error');
      assert.deepEqual(await fixture.takeEnvelopes(), []);
    });
  });
}
