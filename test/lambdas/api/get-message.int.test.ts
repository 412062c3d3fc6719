import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { acceptedPointerKey } from '../../../core/messages/accept-message.ts';
import type { NewRow } from '../../../core/db/schema.ts';
import { SERVER_ID } from '../../helpers/policy-fixtures.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { OTHER_API_KEY, OTHER_SERVER_ID, createApiFixture, type ApiFixture } from './api-fixture.ts';

const pdf = Buffer.from('%PDF-1.4 not really');
const send = {
  to: ['john@example.net'],
  from: 'App <app@example.com>',
  subject: 'Héllo =?',
  plain_body: 'Plain ü',
  html_body: '<p>HTML ü</p>',
  tag: 'welcome',
  headers: { 'X-Campaign': 'spring' },
  attachments: [{ name: 'doc.pdf', content_type: 'application/pdf', data: pdf.toString('base64') }],
};

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0, 250);

function messageRow(
  id: number,
  serverId: number,
  extra: Partial<NewRow<'messages'>> = {},
): NewRow<'messages'> {
  return {
    id,
    server_id: serverId,
    token: 'TokenFromTheRow1',
    scope: 'outgoing',
    rcpt_to: 'john@example.net',
    mail_from: 'app@example.com',
    subject: 'Héllo =?',
    message_id: 'row-message-id@rp.postern.test',
    timestamp: T0,
    route_id: null,
    domain_id: 1000,
    credential_id: 101,
    endpoint_type: null,
    endpoint_id: null,
    status: 'Sent',
    held: 0,
    hold_expiry: null,
    size: 1234,
    raw_key: null,
    last_delivery_attempt: T0 + 5000,
    inspected: 1,
    spam: 0,
    spam_score: 1.5,
    threat: 0,
    threat_details: null,
    bounce: 0,
    bounce_for_id: null,
    tag: 'welcome',
    loaded_at: null,
    clicked_at: null,
    received_with_ssl: 1,
    attempt: 1,
    tracked_links: 1,
    tracked_images: 1,
    parsed: 1,
    ...extra,
  };
}

for (const dialect of DIALECTS) {
  void describe(`${dialect}: messages/message and messages/deliveries`, () => {
    let fixture: ApiFixture;
    let id: number;
    let token: string;
    let messageId: string;
    let rawKey: string;

    before(async () => {
      fixture = await createApiFixture(dialect);
      const reply = await fixture.api.call('send/message', send);
      assert.equal(reply.body.status, 'success', JSON.stringify(reply.body));
      ({ id, token } = reply.body.data.messages['john@example.net']);
      messageId = reply.body.data.message_id;
      const [envelope] = await fixture.takeEnvelopes();
      rawKey = envelope!.rawKey;
    });
    after(() => fixture.close());

    void it('answers Pending from the accepted pointer before ingest has written a row', async () => {
      const reply = await fixture.api.call('messages/message', { id, _expansions: true });
      assert.equal(reply.body.status, 'success', JSON.stringify(reply.body));
      const data = reply.body.data;
      assert.deepEqual(Object.keys(data), [
        'id',
        'token',
        'status',
        'details',
        'inspection',
        'plain_body',
        'html_body',
        'attachments',
        'headers',
        'raw_message',
        'activity_entries',
      ]);
      assert.equal(data.id, id);
      assert.equal(data.token, token);
      assert.deepEqual(data.status, {
        status: 'Pending',
        last_delivery_attempt: null,
        held: false,
        hold_expiry: null,
      });
      const raw = (await fixture.blob(rawKey))!;
      assert.equal(typeof data.details.timestamp, 'number');
      assert.deepEqual(
        { ...data.details, timestamp: 0 },
        {
          rcpt_to: 'john@example.net',
          mail_from: 'app@example.com',
          subject: 'Héllo =?',
          message_id: messageId,
          timestamp: 0,
          direction: 'outgoing',
          size: String(raw.length),
          bounce: false,
          bounce_for_id: null,
          tag: 'welcome',
          received_with_ssl: true,
        },
      );
      assert.deepEqual(data.inspection, {
        inspected: false,
        spam: false,
        spam_score: 0,
        threat: false,
        threat_details: null,
      });
      assert.equal(data.plain_body.trim(), 'Plain ü');
      assert.equal(data.html_body.trim(), '<p>HTML ü</p>');
      assert.deepEqual(data.attachments, [
        {
          filename: 'doc.pdf',
          content_type: 'application/pdf',
          data: `${pdf.toString('base64')}\n`,
          size: pdf.length,
          hash: createHash('sha1').update(pdf).digest('hex'),
        },
      ]);
      assert.deepEqual(data.headers.subject, ['Héllo =?']);
      assert.deepEqual(data.headers['x-campaign'], ['spring']);
      assert.deepEqual(data.headers['message-id'], [`<${messageId}>`]);
      assert.equal(data.headers.received.length, 1);
      assert.ok(Object.keys(data.headers).every((name) => name === name.toLowerCase()));
      assert.equal(data.headers.bcc, undefined);
      assert.equal(Buffer.from(data.raw_message, 'base64').toString('hex'), raw.toString('hex'));
      assert.ok(
        data.raw_message.split('\n').every((line: string) => line.length <= 60),
        "Ruby's encode64 lines",
      );
      assert.deepEqual(data.activity_entries, { loads: [], clicks: [] });

      const deliveries = await fixture.api.call('messages/deliveries', { id });
      assert.deepEqual(deliveries.body.data, []);
    });

    void it('returns only {id, token} without _expansions, and the expansions named in an array', async () => {
      assert.deepEqual((await fixture.api.call('messages/message', { id })).body.data, { id, token });
      const some = await fixture.api.call('messages/message', {
        id: String(id),
        _expansions: ['status', 'tag'],
      });
      assert.deepEqual(Object.keys(some.body.data), ['id', 'token', 'status']);
    });

    void it("answers MessageNotFound for another server's message and for unknown ids", async () => {
      const foreign = await fixture.api.call('messages/message', { id }, { key: OTHER_API_KEY });
      assert.deepEqual(foreign.body.data, {
        message: 'No message found matching provided ID',
        id,
        code: 'MessageNotFound',
      });
      const deliveries = await fixture.api.call('messages/deliveries', { id }, { key: OTHER_API_KEY });
      assert.equal(deliveries.body.data.code, 'MessageNotFound');
      const unknown = await fixture.api.call('messages/message', { id: 999_999_999 });
      assert.equal(unknown.body.data.code, 'MessageNotFound');
    });

    void it('answers parameter errors for a missing or malformed id', async () => {
      for (const action of ['messages/message', 'messages/deliveries']) {
        const missing = await fixture.api.call(action, {});
        assert.deepEqual(
          { status: missing.body.status, data: missing.body.data },
          { status: 'parameter-error', data: { message: '`id` parameter is required but is missing' } },
        );
        const object = await fixture.api.call(action, { id: { gt: 0 } });
        assert.deepEqual(object.body.data, { message: '`id` parameter must be a string or integer' });
      }
    });

    void it('answers every expansion from the rows once ingest has written them', async () => {
      await fixture.ctx.db
        .insertInto('messages')
        .values(messageRow(id, SERVER_ID, { token, raw_key: rawKey, message_id: messageId }))
        .execute();
      await fixture.ctx.blobs.delete(acceptedPointerKey(id));
      const deliveries = [
        {
          status: 'Sent' as const,
          details: 'Message for john@example.net accepted',
          output: ' 250 OK queued \n',
          sent_with_ssl: 1,
          log_id: 'L2',
          timestamp: T0 + 5000,
          duration_ms: 1250,
        },
        {
          status: 'SoftFail' as const,
          details: 'Temporary failure',
          output: '451 try later',
          sent_with_ssl: 0,
          log_id: 'L1',
          timestamp: T0 + 1000,
          duration_ms: null,
        },
      ];
      await fixture.ctx.db
        .insertInto('deliveries')
        .values(deliveries.map((d, i) => ({ ...d, server_id: SERVER_ID, message_id: id, attempt: 2 - i })))
        .execute();
      const link = await fixture.ctx.db
        .insertInto('links')
        .values({
          server_id: SERVER_ID,
          message_id: id,
          token: 'lnk1',
          hash: 'h',
          url: 'https://example.com/a',
          timestamp: T0,
        })
        .executeTakeFirstOrThrow();
      await fixture.ctx.db
        .insertInto('clicks')
        .values({
          server_id: SERVER_ID,
          message_id: id,
          link_id: Number(link.insertId),
          ip_address: '198.51.100.1',
          user_agent: 'UA',
          timestamp: T0 + 9000,
        })
        .execute();
      await fixture.ctx.db
        .insertInto('loads')
        .values({
          server_id: SERVER_ID,
          message_id: id,
          ip_address: '198.51.100.2',
          user_agent: 'UA2',
          timestamp: T0 + 8000,
        })
        .execute();

      const reply = await fixture.api.call('messages/message', { id, _expansions: true });
      const data = reply.body.data;
      assert.deepEqual(data.status, {
        status: 'Sent',
        last_delivery_attempt: (T0 + 5000) / 1000,
        held: false,
        hold_expiry: null,
      });
      assert.deepEqual(data.details, {
        rcpt_to: 'john@example.net',
        mail_from: 'app@example.com',
        subject: 'Héllo =?',
        message_id: messageId,
        timestamp: T0 / 1000,
        direction: 'outgoing',
        size: '1234',
        bounce: false,
        bounce_for_id: null,
        tag: 'welcome',
        received_with_ssl: true,
      });
      assert.deepEqual(data.inspection, {
        inspected: true,
        spam: false,
        spam_score: 1.5,
        threat: false,
        threat_details: null,
      });
      assert.equal(data.plain_body.trim(), 'Plain ü');
      assert.equal(data.attachments[0].filename, 'doc.pdf');
      assert.deepEqual(data.activity_entries, {
        loads: [
          { ip_address: '198.51.100.2', user_agent: 'UA2', timestamp: new Date(T0 + 8000).toISOString() },
        ],
        clicks: [
          {
            ip_address: '198.51.100.1',
            user_agent: 'UA',
            timestamp: new Date(T0 + 9000).toISOString(),
            url: 'https://example.com/a',
          },
        ],
      });

      const listed = await fixture.api.call('messages/deliveries', { id });
      assert.equal(listed.body.status, 'success');
      assert.deepEqual(
        listed.body.data.map(({ id: _id, ...rest }: { id: number }) => rest),
        [
          {
            status: 'SoftFail',
            details: 'Temporary failure',
            output: '451 try later',
            sent_with_ssl: false,
            log_id: 'L1',
            time: null,
            timestamp: (T0 + 1000) / 1000,
          },
          {
            status: 'Sent',
            details: 'Message for john@example.net accepted',
            output: '250 OK queued',
            sent_with_ssl: true,
            log_id: 'L2',
            time: 1.25,
            timestamp: (T0 + 5000) / 1000,
          },
        ],
        'oldest first, output trimmed',
      );
    });

    void it("does not show another server's row, even by its id", async () => {
      await fixture.ctx.db
        .insertInto('messages')
        .values(messageRow(id + 1_000_000, OTHER_SERVER_ID))
        .execute();
      const reply = await fixture.api.call('messages/message', { id: id + 1_000_000 });
      assert.equal(reply.body.data.code, 'MessageNotFound');
      const theirs = await fixture.api.call(
        'messages/message',
        { id: id + 1_000_000 },
        { key: OTHER_API_KEY },
      );
      assert.deepEqual(theirs.body.data, { id: id + 1_000_000, token: 'TokenFromTheRow1' });
    });
  });
}
