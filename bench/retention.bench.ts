// Retention against intake, on SQLite, same process, same rows: how fast the scheduler's retention
// (core/maintenance/message-retention.ts) removes raw messages and deletes messages, beside how
// fast the same messages went in (a 5 KB raw message and its signed copy put durably, a message
// row and a delivery row each). Retention has to keep up with a day's intake within the day, a
// minute's budget at a time; the longest delay says how long a batch holds the event loop that
// the local runtime's SMTP sessions share. Run: node bench/retention.bench.ts [--messages 20000]
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { applyRetention } from '../core/maintenance/message-retention.ts';
import { rawMessageKey } from '../core/messages/accepted-message.ts';
import { preparedKey } from '../core/messages/prepare-message.ts';
import { ManualClock } from '../test/fakes/manual-clock.ts';
import { createServerFixture } from '../test/helpers/server-fixture.ts';
import { createTestContext } from '../test/helpers/test-context.ts';

const { values: args } = parseArgs({ options: { messages: { type: 'string', default: '20000' } } });
const N = Number(args.messages);
const BATCH = 500;
const DAY = 24 * 60 * 60 * 1000;
const BUDGET = 240_000;

const clock = new ManualClock();
const t = await createTestContext('sqlite', { clock });
try {
  const fixture = await createServerFixture(t.ctx);
  const serverId = fixture.server.id;
  const body = Buffer.from(`${'x'.repeat(76)}\r\n`.repeat(64));
  const start = clock.now();

  const intakeStarted = performance.now();
  for (let first = 1; first <= N; first += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, N - first + 1) }, (_, n) => first + n);
    const rows = ids.map((id) => ({ id, rawKey: rawMessageKey(start, `bench-${id}`) }));
    await Promise.all(
      rows.flatMap(({ id, rawKey }) => [
        t.ctx.blobs.put(rawKey, body),
        t.ctx.blobs.put(preparedKey(id), body),
      ]),
    );
    await t.ctx.db
      .insertInto('messages')
      .values(
        rows.map(({ id, rawKey }) => ({
          id,
          server_id: serverId,
          token: `token${id}`,
          scope: 'outgoing' as const,
          rcpt_to: `r${id}@remote.test`,
          mail_from: 'app@example.com',
          timestamp: start,
          status: 'Sent' as const,
          size: body.byteLength,
          raw_key: rawKey,
          held: 0,
          inspected: 0,
          spam: 0,
          spam_score: 0,
          threat: 0,
          bounce: 0,
          received_with_ssl: 1,
          attempt: 1,
          tracked_links: 0,
          tracked_images: 0,
          parsed: 0,
        })),
      )
      .execute();
    await t.ctx.db
      .insertInto('deliveries')
      .values(
        ids.map((id) => ({
          server_id: serverId,
          message_id: id,
          attempt: 1,
          status: 'Sent' as const,
          sent_with_ssl: 1,
          timestamp: start,
        })),
      )
      .execute();
  }
  const intakeSeconds = (performance.now() - intakeStarted) / 1000;

  const timed = async (label: string, settings: Record<string, number | null>, daysLater: number) => {
    await t.ctx.db.updateTable('servers').set(settings).where('id', '=', serverId).execute();
    clock.set(start + daysLater * DAY + 30 * 60 * 1000);
    const started = performance.now();
    const elu = performance.eventLoopUtilization();
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    let removed = 0;
    for (;;) {
      const report = await applyRetention(t.ctx, clock.now() + BUDGET);
      removed += report.rawMessagesRemoved + report.messagesDeleted;
      if (report.complete) break;
    }
    const seconds = (performance.now() - started) / 1000;
    delay.disable();
    return {
      work: label,
      messages: removed,
      'per second': Math.round(removed / seconds),
      'against intake': `${(removed / seconds / (N / intakeSeconds)).toFixed(2)}×`,
      'event loop µs a message': Math.round((performance.eventLoopUtilization(elu).active * 1000) / removed),
      'longest event loop delay, ms': Number((delay.max / 1e6).toFixed(1)),
    };
  };

  console.log(`Retention of ${N} messages of 5 KB on SQLite (one server, one day)`);
  console.table([
    {
      work: 'intake: raw + signed copy, message and delivery rows',
      messages: N,
      'per second': Math.round(N / intakeSeconds),
      'against intake': '1.00×',
      'event loop µs a message': '',
      'longest event loop delay, ms': '',
    },
    await timed(
      'raw_message_retention_days: raw messages and signed copies removed',
      { raw_message_retention_days: 1, message_retention_days: null },
      2,
    ),
    await timed(
      'message_retention_days: messages, deliveries and bodies deleted',
      { raw_message_retention_days: null, message_retention_days: 3 },
      4,
    ),
  ]);
} finally {
  await t.close();
}
