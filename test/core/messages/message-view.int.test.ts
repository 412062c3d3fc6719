import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KyselyPlugin } from 'kysely';
import { DeliveryResult } from '../../../core/delivery/delivery-result.ts';
import { recordResult } from '../../../core/delivery/record-result.ts';
import { ingestAccepted } from '../../../core/messages/ingest.ts';
import { getMessage } from '../../../core/messages/message-actions.ts';
import { createTestContext, type TestContext } from '../../helpers/test-context.ts';
import { createServerFixture, type ServerFixture } from '../../helpers/server-fixture.ts';
import { acceptOutgoing } from './pipeline-helpers.ts';

// A message is shown with its deliveries as of one moment: the results stage records a delivery
// and the status it brings in one transaction, and a view must not show the one without the
// other. MariaDB only: there a write can run on another connection between the view's two reads;
// SQLite's one connection waits for the view's transaction instead.

describe('mysql: a message shown with its deliveries', () => {
  let t: TestContext;
  let fixture: ServerFixture;
  let id: number;

  before(async () => {
    t = await createTestContext('mysql');
    fixture = await createServerFixture(t.ctx);
    const envelope = await acceptOutgoing(t.ctx, fixture.server.id, { to: ['one@remote.test'] });
    await ingestAccepted(t.ctx, envelope);
    id = envelope.recipients[0]!.messageId;
  });
  after(() => t.close());

  it('shows the status and the deliveries of one moment when a result is recorded between its reads', async () => {
    const result = DeliveryResult.parse({
      version: 1,
      messageId: id,
      serverId: fixture.server.id,
      attempt: 1,
      firstAttempt: 1,
      status: 'Sent',
      details: 'Message for one@remote.test accepted by 192.0.2.1:25 (mx.remote.test)',
      output: '250 OK',
      secure: true,
      retryAfterSeconds: null,
      remoteHost: 'mx.remote.test',
      durationMs: 12,
      logId: 'ABCD1234',
      finishedAt: t.ctx.clock.now(),
    } satisfies DeliveryResult);
    // Once the view has read the message row, the result is recorded through another connection.
    let recorded = false;
    const recordAfterTheMessageRow: KyselyPlugin = {
      transformQuery: (args) => args.node,
      async transformResult(args) {
        if (!recorded && args.result.rows.some((row) => 'rcpt_to' in row)) {
          recorded = true;
          await recordResult(t.ctx, result);
        }
        return args.result;
      },
    };
    const before = await getMessage(t.ctx, fixture.scope, id);
    const seen = await getMessage(
      { ...t.ctx, db: t.ctx.db.withPlugin(recordAfterTheMessageRow) },
      fixture.scope,
      id,
    );
    assert.ok(recorded);
    assert.equal(seen.status, before.status);
    assert.deepEqual(seen.deliveries, before.deliveries);
    const now = await getMessage(t.ctx, fixture.scope, id);
    assert.equal(now.status, 'Sent');
    assert.deepEqual(
      now.deliveries.map((delivery) => delivery.status),
      [...before.deliveries.map((delivery) => delivery.status), 'Sent'],
    );
  });
});
