import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from 'node:crypto';
import type { SQSBatchResponse } from 'aws-lambda';
import type { DatabaseQueue } from '../../../core/local/database-queue.ts';
import { WEBHOOK_QUEUE } from '../../../core/webhooks/webhook-job.ts';
import { createHandler } from '../../../lambdas/webhooks/handler.ts';
import { lambdaContext } from '../../../bin/local/lambda-context.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import type { ApiResponse } from '../../helpers/management-client.ts';
import { sqsEvent, startReceiver, useWebhookQueue, type Receiver } from '../../helpers/webhook-fixtures.ts';
import { ACME, ACME_SECOND, OTHER, routingFixture, type RoutingFixture } from './routing-fixture.ts';

for (const dialect of DIALECTS) {
  describe(`${dialect}: webhook history, replay and test events`, () => {
    let f: RoutingFixture;
    let queue: DatabaseQueue;
    let receiver: Receiver;
    let hook: string;

    const call = (method: string, path: string, body?: unknown, token?: string): Promise<ApiResponse> =>
      f.api.request(method, path, { body, token: token ?? f.member });

    /** Runs the webhooks consumer over everything queued, as the event source would. */
    async function deliverQueued(): Promise<void> {
      const consumer = createHandler(async () => f.t.ctx);
      const messages = await queue.receive(WEBHOOK_QUEUE, { max: 10 });
      const result = (await consumer(sqsEvent(messages), lambdaContext('webhooks', 30))) as SQSBatchResponse;
      const failed = new Set(result.batchItemFailures.map((failure) => failure.itemIdentifier));
      for (const message of messages) {
        if (!failed.has(message.id)) await queue.delete(WEBHOOK_QUEUE, message.receiptHandle);
      }
    }

    before(async () => {
      f = await routingFixture(dialect);
      queue = useWebhookQueue(f.t.ctx);
      receiver = await startReceiver();
      const created = await call('POST', `${ACME}/webhooks`, { name: 'app', url: receiver.url });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      hook = `${ACME}/webhooks/${created.body.uuid}`;
    });
    after(async () => {
      await receiver.close();
      await f.t.close();
    });

    it('sends a signed sample MessageSent and logs it in the history', async () => {
      receiver.reply({ status: 200, body: 'got it' });
      const queued = await call('POST', `${hook}/test`);
      assert.equal(queued.status, 202, JSON.stringify(queued.body));
      assert.equal(queued.body.event, 'MessageSent');
      await deliverQueued();
      const received = receiver.requests.at(-1);
      assert.ok(received);
      const envelope = JSON.parse(received.body.toString('utf8'));
      assert.equal(envelope.event, 'MessageSent');
      assert.equal(envelope.uuid, queued.body.event_uuid);
      assert.equal(envelope.payload.status, 'Sent');
      assert.equal(envelope.payload.message.direction, 'outgoing');
      const key = await f.t.ctx.keys.signingKey();
      const signature = Buffer.from(String(received.headers['x-postal-signature-256']), 'base64');
      assert.equal(verify('sha256', received.body, key.publicKeyPem, signature), true);

      const history = await call('GET', `${hook}/requests`);
      assert.equal(history.status, 200, JSON.stringify(history.body));
      assert.equal(history.body.data.length, 1);
      const [entry] = history.body.data;
      assert.equal(entry.event_uuid, queued.body.event_uuid);
      assert.equal(entry.event, 'MessageSent');
      assert.equal(entry.url, receiver.url);
      assert.equal(entry.attempt, 1);
      assert.equal(entry.status_code, 200);
      assert.equal(entry.error, null);
      assert.equal(entry.will_retry, false);
      assert.equal(history.body.next_cursor, null);

      const detail = await call('GET', `${hook}/requests/${entry.uuid}`);
      assert.equal(detail.status, 200, JSON.stringify(detail.body));
      assert.deepEqual(detail.body.payload, envelope.payload);
      assert.equal(detail.body.response_body, 'got it');
      assert.equal(detail.body.status_code, 200);
      assert.equal(detail.body.attempt, 1);
      assert.equal(detail.body.will_retry, false);
    });

    it('sends a sample of the event asked for', async () => {
      const queued = await call('POST', `${hook}/test`, { event: 'DomainDNSError' });
      assert.equal(queued.status, 202, JSON.stringify(queued.body));
      assert.equal(queued.body.event, 'DomainDNSError');
      await deliverQueued();
      const envelope = JSON.parse(receiver.requests.at(-1)?.body.toString('utf8') ?? '{}');
      assert.equal(envelope.event, 'DomainDNSError');
      assert.equal(envelope.payload.server.organization, 'acme');
      assert.equal(envelope.payload.server.permalink, 'main');
    });

    it('replays a logged event with its uuid, time and payload as a new first attempt', async () => {
      receiver.reply({ status: 500, body: 'down' });
      const queued = await call('POST', `${hook}/test`, { event: 'MessageBounced' });
      await deliverQueued();
      const failedBody = receiver.requests.at(-1)?.body.toString('utf8');
      const history = await call('GET', `${hook}/requests`);
      const [failed] = history.body.data;
      assert.equal(failed.event_uuid, queued.body.event_uuid);
      assert.equal(failed.status_code, 500);
      assert.equal(failed.will_retry, true);

      receiver.reply({ status: 200 });
      const replay = await call('POST', `${hook}/requests/${failed.uuid}/replay`);
      assert.equal(replay.status, 202, JSON.stringify(replay.body));
      assert.deepEqual(replay.body, { event_uuid: queued.body.event_uuid, event: 'MessageBounced' });
      await deliverQueued();
      // The original is still waiting for its retry; only the replay was delivered now.
      assert.equal(receiver.requests.at(-1)?.body.toString('utf8'), failedBody);
      const after = await call('GET', `${hook}/requests`);
      const [latest] = after.body.data;
      assert.equal(latest.event_uuid, queued.body.event_uuid);
      assert.equal(latest.attempt, 1);
      assert.equal(latest.status_code, 200);

      const audit = await f.t.ctx.db
        .selectFrom('audit_log')
        .select('action')
        .where('action', 'in', ['webhook.test', 'webhook.replay'])
        .execute();
      assert.deepEqual(new Set(audit.map((row) => row.action)), new Set(['webhook.test', 'webhook.replay']));
    });

    it('pages the history newest first', async () => {
      const all = await call('GET', `${hook}/requests?limit=200`);
      assert.ok(all.body.data.length >= 4);
      const times = all.body.data.map((entry: { timestamp: string }) => entry.timestamp);
      assert.deepEqual(times, [...times].sort().reverse());
      const first = await call('GET', `${hook}/requests?limit=1`);
      assert.equal(first.body.data[0].uuid, all.body.data[0].uuid);
      const second = await call('GET', `${hook}/requests?limit=1&cursor=${first.body.next_cursor}`);
      assert.equal(second.body.data[0].uuid, all.body.data[1].uuid);
    });

    it('refuses bad input with a 400 naming the field', async () => {
      const cases: [string, string, unknown, string][] = [
        ['POST', `${hook}/test`, { event: 'MessageOpened' }, 'event'],
        ['POST', `${hook}/test`, { event: 'MessageSent', extra: 1 }, 'extra'],
        ['POST', `${hook}/test`, [], '(body)'],
        ['GET', `${hook}/requests?limit=0`, undefined, 'query.limit'],
        ['GET', `${hook}/requests?limit=many`, undefined, 'query.limit'],
        ['GET', `${hook}/requests?cursor=bogus`, undefined, 'query.cursor'],
        ['GET', `${hook}/requests?order=asc`, undefined, 'query.order'],
      ];
      for (const [method, path, body, field] of cases) {
        const response = await call(method, path, body);
        assert.equal(response.status, 400, `${method} ${path} ${JSON.stringify(response.body)}`);
        assert.equal(response.body.error.code, 'invalid_request');
        assert.equal(response.body.error.details[0].field, field, path);
      }
      const json = await f.api.request('POST', `${hook}/test`, { raw: '{', token: f.member });
      assert.equal(json.status, 400);
      assert.equal(json.body.error.code, 'invalid_json');
    });

    it("answers 404 for unknown webhooks and requests, and for another organization's", async () => {
      const [entry] = (await call('GET', `${hook}/requests`)).body.data;
      const missing = `${ACME}/webhooks/00000000-0000-4000-8000-000000000000`;
      for (const [method, path] of [
        ['GET', `${missing}/requests`],
        ['GET', `${missing}/requests/${entry.uuid}`],
        ['POST', `${missing}/requests/${entry.uuid}/replay`],
        ['POST', `${missing}/test`],
        ['GET', `${hook}/requests/not-a-request`],
        ['POST', `${hook}/requests/not-a-request/replay`],
      ] as const) {
        const response = await call(method, path);
        assert.equal(response.status, 404, `${method} ${path}`);
        assert.equal(response.body.error.code, 'not_found');
      }
      // The same webhook through another server of the organization, or by an outsider.
      const uuid = hook.split('/').at(-1);
      assert.equal((await call('GET', `${ACME_SECOND}/webhooks/${uuid}/requests`)).status, 404);
      assert.equal((await call('GET', `${hook}/requests`, undefined, f.outsider)).status, 404);
      assert.equal((await call('POST', `${hook}/test`, undefined, f.outsider)).status, 404);
      assert.equal(
        (await call('GET', `${OTHER}/webhooks/${uuid}/requests`, undefined, f.outsider)).status,
        404,
      );
      // A request of one webhook is not found under another.
      const other = await call('POST', `${ACME}/webhooks`, { name: 'other', url: receiver.url });
      const otherHook = `${ACME}/webhooks/${other.body.uuid}`;
      assert.equal((await call('GET', `${otherHook}/requests/${entry.uuid}`)).status, 404);
      assert.equal((await call('POST', `${otherHook}/requests/${entry.uuid}/replay`)).status, 404);
      assert.equal((await f.api.request('GET', `${hook}/requests`, { token: null })).status, 401);
    });
  });
}
