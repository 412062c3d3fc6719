import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { AcceptedMessage, INGEST_QUEUE } from '../../core/messages/accepted-message.ts';
import {
  createMessageAcceptor,
  type AcceptInput,
  type MessageAcceptor,
} from '../../smtp-edge/message-acceptor.ts';
import { REPLIES } from '../../smtp-edge/session-policy.ts';
import { ManualClock } from '../fakes/manual-clock.ts';
import { MemoryBlobStore } from '../fakes/memory-blob-store.ts';
import { MemoryLogger } from '../fakes/memory-logger.ts';
import { MemoryQueue } from '../fakes/memory-queue.ts';
import { SequentialIds } from '../fakes/sequential-ids.ts';
import { CREDENTIAL_ID, ROUTE_ID, SERVER_ID } from '../helpers/policy-fixtures.ts';

const OTHER_SERVER_ID = 11;
const raw = Buffer.from('Received: by mx.postern.test with ESMTP; x\r\nFrom: a@example.com\r\n\r\nhi\r\n');

void describe('createMessageAcceptor', () => {
  let blobs: MemoryBlobStore;
  let queue: MemoryQueue;
  let ids: SequentialIds;
  let logger: MemoryLogger;
  let accept: MessageAcceptor;

  const input = (extra: Partial<AcceptInput> = {}): AcceptInput => ({
    raw,
    mailFrom: 'a@example.com',
    recipients: [
      { address: 'x@gmail.test', kind: 'outgoing', serverId: SERVER_ID, routeId: null },
      { address: 'y@gmail.test', kind: 'outgoing', serverId: SERVER_ID, routeId: null },
    ],
    auth: { serverId: SERVER_ID, credentialId: CREDENTIAL_ID, method: 'password' },
    senderDomainId: 31,
    tls: true,
    clientIp: '192.0.2.7',
    sessionId: 'session-1',
    ...extra,
  });
  const envelopes = () => queue.sent(INGEST_QUEUE).map((body) => AcceptedMessage.parse(JSON.parse(body)));

  beforeEach(() => {
    blobs = new MemoryBlobStore();
    queue = new MemoryQueue();
    ids = new SequentialIds(500);
    logger = new MemoryLogger();
    accept = createMessageAcceptor({ blobs, queue, ids, clock: new ManualClock(), logger });
  });

  void it('stores the raw message once and queues one envelope per server, then returns the ids', async () => {
    const result = await accept(input());
    assert.deepEqual(result, { ok: true, messageIds: [500, 501] });
    // The raw message once, then a pointer per recipient for messages/message (accept-message.ts).
    assert.deepEqual(blobs.keys(), [
      'raw/2026/11/25/00000000-0000-4000-8000-000000000003.eml',
      'accepted/500.json',
      'accepted/501.json',
    ]);
    assert.equal(blobs.text(blobs.keys()[0]!), raw.toString());
    assert.deepEqual(envelopes(), [
      {
        version: 1,
        serverId: SERVER_ID,
        via: 'smtp',
        credentialId: CREDENTIAL_ID,
        senderDomainId: 31,
        mailFrom: 'a@example.com',
        recipients: [
          {
            messageId: 500,
            token: 't000000000000001',
            address: 'x@gmail.test',
            kind: 'outgoing',
            routeId: null,
          },
          {
            messageId: 501,
            token: 't000000000000002',
            address: 'y@gmail.test',
            kind: 'outgoing',
            routeId: null,
          },
        ],
        rawKey: blobs.keys()[0],
        size: raw.length,
        acceptedAt: Date.UTC(2026, 10, 25, 12),
        tls: true,
        clientIp: '192.0.2.7',
        bounce: false,
        tag: null,
      },
    ]);
    assert.ok(logger.has('info', 'message accepted', { messageIds: [500, 501], sessionId: 'session-1' }));
  });

  void it('splits recipients of several servers into one envelope each, in one queue call', async () => {
    const result = await accept(
      input({
        mailFrom: '',
        auth: null,
        recipients: [
          { address: 'support@example.com', kind: 'incoming', serverId: SERVER_ID, routeId: ROUTE_ID },
          { address: 'xyz789@rp.postern.test', kind: 'bounce', serverId: OTHER_SERVER_ID, routeId: null },
        ],
      }),
    );
    assert.deepEqual(result, { ok: true, messageIds: [500, 501] });
    const [first, second] = envelopes();
    assert.equal(first?.serverId, SERVER_ID);
    assert.equal(first?.recipients[0]?.routeId, ROUTE_ID);
    assert.equal(second?.serverId, OTHER_SERVER_ID);
    assert.equal(first?.rawKey, second?.rawKey, 'one blob shared by both');
    assert.equal(first?.bounce, true, 'a null sender marks a bounce');
    assert.equal(first?.credentialId, null);
    assert.deepEqual(queue.calls, [{ operation: 'sendBatch', queue: INGEST_QUEUE, count: 2 }]);
  });

  void it('gives the credential and its sender domain only to the envelope of the server they belong to', async () => {
    await accept(
      input({
        recipients: [
          { address: 'x@gmail.test', kind: 'outgoing', serverId: SERVER_ID, routeId: null },
          { address: 'xyz789@rp.postern.test', kind: 'bounce', serverId: OTHER_SERVER_ID, routeId: null },
        ],
      }),
    );
    assert.deepEqual(
      envelopes().map((envelope) => [envelope.credentialId, envelope.senderDomainId]),
      [
        [CREDENTIAL_ID, 31],
        [null, null],
      ],
    );
  });

  void it('answers 451 and queues nothing when the blob store fails', async () => {
    blobs.failNext('put');
    assert.deepEqual(await accept(input()), { ok: false, reply: REPLIES.acceptFailed });
    assert.deepEqual(queue.sent(INGEST_QUEUE), []);
    assert.ok(logger.has('error', 'message could not be made durable; answering 451'));
  });

  void it('answers 451 when the queue fails, leaving only an unreferenced blob', async () => {
    queue.failNext();
    assert.deepEqual(await accept(input()), { ok: false, reply: REPLIES.acceptFailed });
    assert.deepEqual(queue.sent(INGEST_QUEUE), []);
    assert.equal(blobs.keys().length, 1, 'the pointers are removed again');
    assert.match(blobs.keys()[0]!, /^raw\//);
  });

  void it('answers 451 when ids cannot be leased, before writing anything', async () => {
    ids.messageId = () => Promise.reject(new Error('database unreachable'));
    assert.deepEqual(await accept(input()), { ok: false, reply: REPLIES.acceptFailed });
    assert.deepEqual(blobs.keys(), []);
  });
});
