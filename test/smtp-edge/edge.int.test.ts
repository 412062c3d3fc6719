import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { AcceptedMessage, INGEST_QUEUE } from '../../core/messages/accepted-message.ts';
import { POLICY_SNAPSHOT_KEY } from '../../core/policy/policy-snapshot.ts';
import { startEdge } from '../../smtp-edge/edge.ts';
import { ManualClock } from '../fakes/manual-clock.ts';
import { MemoryBlobStore } from '../fakes/memory-blob-store.ts';
import { MemoryLogger } from '../fakes/memory-logger.ts';
import { MemoryQueue } from '../fakes/memory-queue.ts';
import { SequentialIds } from '../fakes/sequential-ids.ts';
import { HOSTNAME, SMTP_KEY, testSnapshot } from '../helpers/policy-fixtures.ts';

void describe('startEdge', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postern-edge-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  void it('serves both ports from the stored snapshot, takes offered ones, and closes', async () => {
    const blobs = new MemoryBlobStore();
    const queue = new MemoryQueue();
    await blobs.put(POLICY_SNAPSHOT_KEY, JSON.stringify(testSnapshot()));
    const edge = await startEdge({
      blobs,
      queue,
      ids: new SequentialIds(),
      clock: new ManualClock(),
      logger: new MemoryLogger(),
      host: '127.0.0.1',
      ports: { smtp: 0, smtps: 0 },
      hostname: HOSTNAME,
      tls: { cacheDir: join(dir, 'tls') },
      closeTimeoutMs: 2000,
    });
    try {
      const sendVia = async (port: number, secure: boolean) => {
        const transport = nodemailer.createTransport({
          host: '127.0.0.1',
          port,
          secure,
          requireTLS: !secure,
          tls: { rejectUnauthorized: false },
          auth: { user: 'acme/mail', pass: SMTP_KEY },
        });
        try {
          return await transport.sendMail({
            envelope: { from: 'alice@example.com', to: ['bob@recipient.test'] },
            raw: 'From: alice@example.com\r\nTo: bob@recipient.test\r\nSubject: hi\r\n\r\nhello\r\n',
          });
        } finally {
          transport.close();
        }
      };
      assert.match((await sendVia(edge.ports.smtp, false)).response, /^250 2\.0\.0 OK queued as 1$/);
      assert.match((await sendVia(edge.ports.smtps, true)).response, /^250 2\.0\.0 OK queued as 2$/);
      assert.equal(queue.sent(INGEST_QUEUE).map((body) => AcceptedMessage.parse(JSON.parse(body))).length, 2);
      assert.equal(edge.offerSnapshot(testSnapshot({ version: 2, credentials: [] })), true);
      await assert.rejects(sendVia(edge.ports.smtps, true), /535/);
    } finally {
      await edge.close();
    }
  });
});
