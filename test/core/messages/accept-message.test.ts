import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import {
  acceptMessage,
  acceptedPointerKey,
  messageIdOfPointerKey,
  type AcceptedPointer,
  type AcceptDeps,
  type AcceptMessageInput,
} from '../../../core/messages/accept-message.ts';
import { findAcceptedPointer } from '../../../core/messages/accepted-lookup.ts';
import { envelopesOf } from '../../../core/messages/accepted-recovery.ts';
import { AcceptedMessage, INGEST_QUEUE } from '../../../core/messages/accepted-message.ts';
import { ManualClock } from '../../fakes/manual-clock.ts';
import { MemoryBlobStore } from '../../fakes/memory-blob-store.ts';
import { MemoryLogger } from '../../fakes/memory-logger.ts';
import { MemoryQueue } from '../../fakes/memory-queue.ts';
import { SequentialIds } from '../../fakes/sequential-ids.ts';

const raw = Buffer.from('From: app@example.com\r\nSubject: x\r\n\r\nhi\r\n');
const NOW = Date.UTC(2026, 10, 25, 12);

void describe('acceptMessage', () => {
  let blobs: MemoryBlobStore;
  let queue: MemoryQueue;
  let ids: SequentialIds;
  let logger: MemoryLogger;
  let deps: AcceptDeps;

  const input = (extra: Partial<AcceptMessageInput> = {}): AcceptMessageInput => ({
    raw,
    via: 'api',
    mailFrom: 'app@example.com',
    recipients: [
      { address: 'john@example.net', kind: 'outgoing', serverId: 10, routeId: null },
      { address: 'mary@example.net', kind: 'outgoing', serverId: 10, routeId: null },
    ],
    credential: { serverId: 10, credentialId: 101 },
    senderDomainId: 31,
    tls: true,
    clientIp: '203.0.113.9',
    bounce: false,
    tag: 'welcome',
    ...extra,
  });

  beforeEach(() => {
    blobs = new MemoryBlobStore();
    queue = new MemoryQueue();
    ids = new SequentialIds(700);
    logger = new MemoryLogger();
    deps = { blobs, queue, ids, clock: new ManualClock(NOW), logger };
  });

  void it('writes the raw message and a pointer per recipient, then queues the envelope', async () => {
    const order: string[] = [];
    const put = blobs.put.bind(blobs);
    blobs.put = (key, body, options) => (order.push(`put ${key}`), put(key, body, options));
    const sendBatch = queue.sendBatch.bind(queue);
    queue.sendBatch = (name, bodies, options) => (
      order.push(`queue ${name} ${JSON.stringify(options)}`),
      sendBatch(name, bodies, options)
    );

    const result = await acceptMessage(deps, input());
    const rawKey = 'raw/2026/11/25/00000000-0000-4000-8000-000000000003.eml';
    assert.deepEqual(order, [
      `put ${rawKey}`,
      'put accepted/700.json',
      'put accepted/701.json',
      // The pointers, durable first, are the envelopes' record (accepted-recovery.ts).
      `queue ${INGEST_QUEUE} {"recoveredBySender":true}`,
    ]);
    assert.deepEqual(result.messageIds, [700, 701]);
    assert.deepEqual(
      queue.sent(INGEST_QUEUE).map((body) => AcceptedMessage.parse(JSON.parse(body))),
      result.envelopes,
    );
    assert.deepEqual(await findAcceptedPointer(blobs, 701), {
      version: 1,
      messageId: 701,
      serverId: 10,
      token: 't000000000000002',
      address: 'mary@example.net',
      kind: 'outgoing',
      routeId: null,
      via: 'api',
      credentialId: 101,
      senderDomainId: 31,
      clientIp: '203.0.113.9',
      mailFrom: 'app@example.com',
      rawKey,
      size: raw.length,
      acceptedAt: NOW,
      tls: true,
      bounce: false,
      tag: 'welcome',
    } satisfies AcceptedPointer);
    assert.ok(logger.has('info', 'message accepted', { messageIds: [700, 701], via: 'api' }));
  });

  void it('reads the message id back from a pointer key, and from nothing else', () => {
    assert.equal(messageIdOfPointerKey(acceptedPointerKey(701)), 701);
    for (const key of ['accepted/0.json', 'accepted/07.json', 'accepted/7.json.tmp', 'raw/accepted/7.json'])
      assert.equal(messageIdOfPointerKey(key), null, key);
  });

  void it('groups recipients by server, ids ascending within each envelope', async () => {
    const result = await acceptMessage(
      deps,
      input({
        recipients: [
          { address: 'a@x.test', kind: 'outgoing', serverId: 10, routeId: null },
          { address: 'b@rp.test', kind: 'bounce', serverId: 11, routeId: null },
          { address: 'c@x.test', kind: 'outgoing', serverId: 10, routeId: null },
        ],
      }),
    );
    assert.deepEqual(
      result.envelopes.map((e) => [e.serverId, e.credentialId, e.recipients.map((r) => r.messageId)]),
      [
        [10, 101, [700, 701]],
        [11, null, [702]],
      ],
    );
    assert.equal((await findAcceptedPointer(blobs, 702))?.serverId, 11);
    const pointers = await Promise.all(result.messageIds.map((id) => findAcceptedPointer(blobs, id)));
    assert.deepEqual(
      envelopesOf(pointers.filter((pointer) => pointer !== null)),
      result.envelopes,
      'the pointers give back the envelopes queued',
    );
  });

  void it('queues nothing and removes its pointers when a pointer cannot be written', async () => {
    const put = blobs.put.bind(blobs);
    blobs.put = (key, body, options) =>
      key === acceptedPointerKey(701) ? Promise.reject(new Error('disk full')) : put(key, body, options);
    await assert.rejects(acceptMessage(deps, input()), /disk full/);
    assert.deepEqual(queue.sent(INGEST_QUEUE), []);
    assert.equal(await findAcceptedPointer(blobs, 700), null);
    assert.deepEqual(
      blobs.keys().filter((key) => !key.startsWith('raw/')),
      [],
    );
  });

  void it('undoes only once every write has settled, so a slow pointer cannot land after the clean-up', async () => {
    const put = blobs.put.bind(blobs);
    blobs.put = async (key, body, options) => {
      if (key === acceptedPointerKey(701)) throw new Error('disk full');
      if (key === acceptedPointerKey(700)) await new Promise((resolve) => setTimeout(resolve, 30));
      return put(key, body, options);
    };
    await assert.rejects(acceptMessage(deps, input()), /disk full/);
    assert.deepEqual(queue.sent(INGEST_QUEUE), []);
    assert.equal(await findAcceptedPointer(blobs, 700), null);
  });

  void it('removes its pointers when the queue fails, so no id answers Pending for nothing', async () => {
    queue.failNext();
    await assert.rejects(acceptMessage(deps, input()));
    assert.equal(await findAcceptedPointer(blobs, 700), null);
    assert.equal(await findAcceptedPointer(blobs, 701), null);
  });

  void it('refuses a message without recipients before leasing anything', async () => {
    await assert.rejects(acceptMessage(deps, input({ recipients: [] })), RangeError);
    assert.deepEqual(ids.calls, []);
    assert.deepEqual(blobs.keys(), []);
  });
});

void describe('findAcceptedPointer', () => {
  void it('answers null for ids never accepted and for ids that are not positive integers', async () => {
    const blobs = new MemoryBlobStore();
    assert.equal(await findAcceptedPointer(blobs, 42), null);
    assert.equal(await findAcceptedPointer(blobs, 0), null);
    assert.equal(await findAcceptedPointer(blobs, 1.5), null);
    assert.deepEqual(blobs.calls, [{ operation: 'get', key: 'accepted/42.json' }]);
  });
});
