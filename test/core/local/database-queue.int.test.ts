import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DatabaseQueue, ReceiptHandleInvalidError } from '../../../core/local/database-queue.ts';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../helpers/databases.ts';
import { ManualClock } from '../../fakes/manual-clock.ts';
import { DatasyncCounter } from '../../helpers/datasync-counter.ts';
import { contractQueues, queueContract } from '../ports/queue.contract.ts';

for (const dialect of DIALECTS) {
  void describe(`DatabaseQueue on ${dialect}`, () => {
    // One database per dialect, emptied between tests: migrating a fresh MySQL database for every
    // test would cost seconds each.
    let database: TestDatabase;
    before(async () => {
      database = await freshDatabase(dialect);
    });
    after(async () => {
      await database.drop();
    });

    queueContract(`DatabaseQueue (${dialect})`, async (clock, queues) => ({
      queue: new DatabaseQueue({ db: database.handle.db, dialect, clock, queues }),
      cleanup: async () => {
        await database.handle.db.deleteFrom('queue_messages').execute();
      },
    }));

    void describe('beyond the contract', () => {
      const make = (clock = new ManualClock()) =>
        new DatabaseQueue({ db: database.handle.db, dialect, clock, queues: contractQueues });

      void it('tells listeners of sends after they commit, until they unsubscribe', async () => {
        const queue = make();
        const heard: string[] = [];
        const stop = queue.onSend((name) => heard.push(name));
        await queue.send('jobs', 'a');
        await queue.sendBatch('other', ['b', 'c']);
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(heard, ['jobs', 'other']);
        assert.equal((await queue.depth('jobs')).visible, 1, 'the row was there when the listener ran');
        stop();
        await queue.send('jobs', 'd');
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(heard, ['jobs', 'other']);
        await database.handle.db.deleteFrom('queue_messages').execute();
      });

      void it('lists the bodies of a queue, whatever their state, in the order sent', async () => {
        const clock = new ManualClock();
        const queue = make(clock);
        await queue.sendBatch('jobs', ['first', 'second']);
        await queue.send('jobs', 'later', { delaySeconds: 60 });
        await queue.send('other', 'elsewhere');
        await queue.receive('jobs', { max: 1 });
        assert.deepEqual(await Array.fromAsync(queue.bodies('jobs')), ['first', 'second', 'later']);
        assert.deepEqual(
          await Array.fromAsync(queue.bodies('jobs', 2)),
          ['first', 'second', 'later'],
          'the same, read two rows at a time',
        );
        await database.handle.db.deleteFrom('queue_messages').execute();
      });

      void it('commits a send its sender recovers without waiting for a sync (SQLite), and one it does not after one', async () => {
        const counter = new DatasyncCounter();
        const queue = make();
        counter.start();
        try {
          await queue.send('jobs', 'recovered', { recoveredBySender: true });
          const afterRecovered = counter.syncs.length;
          await queue.send('jobs', 'plain');
          assert.equal(afterRecovered, 0, 'no sync for a send its sender recovers');
          assert.equal(counter.syncs.length, dialect === 'sqlite' ? 1 : 0, 'a plain send is synced (SQLite)');
        } finally {
          counter.stop();
        }
        assert.deepEqual(await Array.fromAsync(queue.bodies('jobs')), ['recovered', 'plain']);
        await database.handle.db.deleteFrom('queue_messages').execute();
      });

      void it('tells listeners of the dead-letter queue when a message moves there', async () => {
        const clock = new ManualClock();
        const queue = make(clock);
        await queue.send('jobs', 'poison');
        for (let receive = 0; receive < 3; receive++) {
          await queue.receive('jobs', { max: 1 });
          clock.advance(30_000);
        }
        const heard: string[] = [];
        queue.onSend((name) => heard.push(name));
        assert.deepEqual(await queue.receive('jobs', { max: 1 }), []);
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(heard, ['jobs-dlq']);
        await database.handle.db.deleteFrom('queue_messages').execute();
      });

      void it('deletes a row only through its own handle, whatever row id another handle is made to name', async () => {
        const queue = make();
        await queue.sendBatch('jobs', ['a', 'b']);
        // Two receives, so that the handles' random parts differ (one claim's handles share one).
        const [first] = await queue.receive('jobs', { max: 1 });
        const [second] = await queue.receive('jobs', { max: 1 });
        assert.ok(first && second);
        const prefix = first.receiptHandle.slice(0, first.receiptHandle.lastIndexOf('.') + 1);
        // The first handle's random part with the second row's id, and handles that name no row.
        for (const forged of [`${prefix}${second.id}`, `${prefix}x`, 'no-dot', `${prefix}0`]) {
          await queue.delete('jobs', forged);
          await assert.rejects(queue.changeVisibility('jobs', forged, 0), ReceiptHandleInvalidError);
        }
        assert.equal((await queue.depth('jobs')).inFlight, 2, 'both messages are still in flight');
        // Handles of two queues deleted in one group commit each remove their own row.
        await queue.send('other', 'c');
        const [third] = await queue.receive('other', { max: 1 });
        assert.ok(third);
        await Promise.all([
          queue.delete('jobs', first.receiptHandle),
          queue.delete('other', third.receiptHandle),
          queue.delete('other', second.receiptHandle),
        ]);
        assert.deepEqual(await queue.depth('jobs'), { visible: 0, inFlight: 1, delayed: 0 });
        assert.deepEqual(await queue.depth('other'), { visible: 0, inFlight: 0, delayed: 0 });
        await database.handle.db.deleteFrom('queue_messages').execute();
      });

      void it('refuses a dead-letter queue that is not declared, and a queue declared twice', () => {
        const base = { db: database.handle.db, dialect, clock: new ManualClock() };
        const jobs = { name: 'jobs', visibilityTimeoutSeconds: 30, maxReceives: 3 };
        assert.throws(
          () => new DatabaseQueue({ ...base, queues: [{ ...jobs, deadLetterQueue: 'missing' }] }),
        );
        assert.throws(() => new DatabaseQueue({ ...base, queues: [jobs, jobs] }));
        assert.throws(() => new DatabaseQueue({ ...base, queues: [{ ...jobs, maxReceive: 3 } as never] }));
      });

      void it('stores times from the clock it is given', async () => {
        const clock = new ManualClock(Date.UTC(2030, 0, 1));
        const queue = make(clock);
        await queue.send('jobs', 'timed', { delaySeconds: 7 });
        const row = await database.handle.db
          .selectFrom('queue_messages')
          .select(['visible_at', 'sent_at'])
          .executeTakeFirstOrThrow();
        assert.deepEqual(
          { visible: Number(row.visible_at), sent: Number(row.sent_at) },
          { visible: Date.UTC(2030, 0, 1) + 7000, sent: Date.UTC(2030, 0, 1) },
        );
        await database.handle.db.deleteFrom('queue_messages').execute();
      });
    });
  });
}
