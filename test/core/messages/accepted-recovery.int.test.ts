import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DatabaseQueue } from '../../../core/local/database-queue.ts';
import type { SqliteBlobStore } from '../../../core/local/sqlite-blob-store.ts';
import {
  ACCEPTED_POINTER_PREFIX,
  acceptMessage,
  acceptedPointerKey,
  type AcceptResult,
} from '../../../core/messages/accept-message.ts';
import { AcceptedMessage, INGEST_QUEUE } from '../../../core/messages/accepted-message.ts';
import { requeueLostEnvelopes } from '../../../bin/local/lost-envelopes.ts';
import { requeueAccepted } from '../../../core/messages/accepted-recovery.ts';
import { ingestAcceptedBatch } from '../../../core/messages/ingest.ts';
import { deadLetterQueueName } from '../../../lambdas/topology.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { createServerFixture, type ServerFixture } from '../../helpers/server-fixture.ts';
import { createTestContext, type TestContext } from '../../helpers/test-context.ts';

// A crash of the machine can take from the local queue the envelopes the accept step sent
// without a sync (recoveredBySender). It cannot be staged here, so the test takes them away
// itself, as such a crash would: the rows vanish from queue_messages, the blobs stay.

for (const dialect of DIALECTS) {
  describe(`${dialect}: envelopes lost from the ingest queue come back from their pointers`, () => {
    let test: TestContext;
    let fixture: ServerFixture;
    before(async () => {
      test = await createTestContext(dialect);
      fixture = await createServerFixture(test.ctx);
    });
    after(() => test.close());

    const queue = () => test.ctx.queue as DatabaseQueue;
    const recover = () =>
      requeueLostEnvelopes(test.ctx, { blobs: test.ctx.blobs as SqliteBlobStore, queue: queue() });
    const accept = (recipients: string[]): Promise<AcceptResult> =>
      acceptMessage(test.ctx, {
        raw: Buffer.from('From: app@example.com\r\nSubject: recovery\r\n\r\nhi\r\n'),
        via: 'api',
        mailFrom: 'app@example.com',
        recipients: recipients.map((address) => ({
          address,
          kind: 'outgoing',
          serverId: fixture.server.id,
          routeId: null,
        })),
        credential: null,
        senderDomainId: null,
        tls: false,
        clientIp: '192.0.2.7',
        bounce: false,
        tag: 'recovery',
      });
    const loseFromQueue = (envelope: AcceptedMessage) =>
      test.ctx.db
        .deleteFrom('queue_messages')
        .where('queue', '=', INGEST_QUEUE)
        .where('body', '=', JSON.stringify(envelope))
        .execute();
    /** What one test accepted goes, so that the next starts with no pointer and no envelope. */
    const forgetAll = async () => {
      await test.ctx.db.deleteFrom('queue_messages').execute();
      const blobs = test.ctx.blobs as SqliteBlobStore;
      await Promise.all(blobs.keys(ACCEPTED_POINTER_PREFIX).map((key) => blobs.delete(key)));
    };

    it('queues again the envelope of a message with pointers, no row and no envelope, and only it', async () => {
      const lost = await accept(['one@example.net', 'two@example.net']);
      const kept = await accept(['three@example.net']);
      await loseFromQueue(lost.envelopes[0]!);

      const requeued = await recover();
      assert.deepEqual(requeued, lost.envelopes, 'the same envelope, rebuilt from its two pointers');
      const onQueue = (await Array.fromAsync(queue().bodies(INGEST_QUEUE))).map((body) =>
        AcceptedMessage.parse(JSON.parse(body)),
      );
      assert.deepEqual(onQueue, [...kept.envelopes, ...lost.envelopes]);
      assert.deepEqual(await recover(), [], 'on the queue now: nothing more to do');
      await forgetAll();
    });

    it('reads the queue only while some envelope is still looked for, and not at all when every pointer has its row', async () => {
      const backlog = [await accept(['six@example.net']), await accept(['seven@example.net'])];
      let readPast = false;
      let opened = 0;
      const recoverReading = () =>
        requeueAccepted(test.ctx, {
          pointerKeys: (test.ctx.blobs as SqliteBlobStore).keys(ACCEPTED_POINTER_PREFIX),
          queuedBodies: async function* () {
            opened += 1;
            yield* queue().bodies(INGEST_QUEUE);
            // What a longer backlog would hold past the envelopes looked for.
            readPast = true;
            yield 'not an envelope';
          },
        });

      assert.deepEqual(await recoverReading(), [], 'every envelope is on the queue');
      assert.equal(readPast, false, 'read no further than the last envelope looked for');
      await ingestAcceptedBatch(
        test.ctx,
        backlog.flatMap((accepted) => accepted.envelopes),
      );
      assert.deepEqual(await recoverReading(), []);
      assert.equal(opened, 1, 'with a row for every pointer, the queue is not read');
      await forgetAll();
    });

    it('leaves alone a message ingested whose pointers remain, and one whose envelope is dead-lettered', async () => {
      const ingested = await accept(['four@example.net']);
      const pointerKey = acceptedPointerKey(ingested.messageIds[0]!);
      const pointer = await test.ctx.blobs.get(pointerKey);
      assert.ok(pointer && pointer !== 'not-modified');
      // Rows written and process jobs sent; the crash came before the pointer was deleted.
      await ingestAcceptedBatch(test.ctx, ingested.envelopes);
      await test.ctx.blobs.put(pointerKey, pointer.body);
      const poisoned = await accept(['five@example.net']);
      await loseFromQueue(poisoned.envelopes[0]!);
      await queue().send(deadLetterQueueName(INGEST_QUEUE), JSON.stringify(poisoned.envelopes[0]));
      await test.ctx.db.deleteFrom('queue_messages').where('queue', '=', INGEST_QUEUE).execute();

      assert.deepEqual(await recover(), []);
      await forgetAll();
    });
  });
}
