import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { QueueMessage } from '../../../core/ports.ts';
import { DatabaseQueue } from '../../../core/local/database-queue.ts';
import { systemClock } from '../../../core/local/system-clock.ts';
import { DIALECTS, freshDatabase } from '../../helpers/databases.ts';

const fixture = fileURLToPath(new URL('./fixtures/receive-and-hang.ts', import.meta.url));
const queues = [{ name: 'jobs', visibilityTimeoutSeconds: 30, maxReceives: 5 }];

/** Runs the fixture until it reports the message it received, then kills it without warning. */
async function receiveInChildAndKill(
  url: string,
): Promise<{ message: QueueMessage; receivedBefore: number }> {
  const child = spawn(process.execPath, [fixture, url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  try {
    const lines = createInterface({ input: child.stdout });
    const first = await Promise.race([
      once(lines, 'line').then(([line]) => String(line)),
      exited.then(() => null),
      sleep(20_000).then(() => null),
    ]);
    assert.ok(first, `the child reported nothing; stderr: ${stderr}`);
    return JSON.parse(first) as { message: QueueMessage; receivedBefore: number };
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

for (const dialect of DIALECTS) {
  void describe(`DatabaseQueue on ${dialect} across a crash`, () => {
    void it('gives a message received by a killed process again once its visibility timeout passes', async () => {
      const database = await freshDatabase(dialect);
      try {
        const queue = new DatabaseQueue({ db: database.handle.db, dialect, clock: systemClock, queues });
        await queue.send('jobs', 'survive the crash');

        const { message, receivedBefore } = await receiveInChildAndKill(database.url);
        assert.equal(message.body, 'survive the crash');
        assert.equal(message.receiveCount, 1);
        assert.deepEqual(
          await queue.receive('jobs', { max: 1 }),
          [],
          'still invisible right after the crash',
        );

        const deadline = systemClock.now() + 10_000;
        let again: QueueMessage | undefined;
        while (!again && systemClock.now() < deadline) {
          [again] = await queue.receive('jobs', { max: 1 });
          if (!again) await sleep(100);
        }
        assert.ok(again, 'the message never came back');
        assert.equal(again.id, message.id);
        assert.equal(again.receiveCount, 2);
        assert.ok(
          systemClock.now() - receivedBefore >= 2000,
          `it came back ${systemClock.now() - receivedBefore} ms after the child received it`,
        );
      } finally {
        await database.drop();
      }
    });
  });
}
