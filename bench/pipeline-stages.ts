// The mail pipeline's stages one at a time: N messages accepted, then ingested, processed,
// delivered (to the sink MX of bench/outbound, in its own process) and their results recorded,
// each stage running alone with the local runtime's queue pollers. For each stage it prints the
// main thread's time per message (performance.eventLoopUtilization), the process's CPU per
// message (the thread pool included: fsyncs, DKIM's RSA) and the stage's rate. Where
// bench/outbound.ts says how fast the whole is, this says which stage to look at; compare two
// versions by alternating runs, as the machine drifts.
//
//   node bench/pipeline-stages.ts [--messages 2000] [--profile process] [--heap delivery]
//
// --profile STAGE writes a CPU profile of that stage (summarize it with
// bench/outbound/profile-summary.ts); --heap STAGE writes V8's sampling heap profile of it,
// counting objects collected since, so it shows what the stage allocates.

import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localQueueSpecs } from '../bin/local/local-context.ts';
import { loadFunctions } from '../bin/local/function-loader.ts';
import { startQueuePollers } from '../bin/local/queue-pollers.ts';
import { DnsCache } from '../core/delivery/dns-cache.ts';
import type { DatabaseQueue } from '../core/local/database-queue.ts';
import { NodeDns } from '../core/local/node-dns.ts';
import { acceptMessage } from '../core/messages/accept-message.ts';
import { functions } from '../lambdas/topology.ts';
import { startDeliveryWorker } from '../smtp-edge/delivery/delivery-worker.ts';
import { NodemailerTransport } from '../smtp-edge/delivery/nodemailer-transport.ts';
import { apiSender, sampleMessage } from '../test/core/messages/pipeline-helpers.ts';
import { createServerFixture } from '../test/helpers/server-fixture.ts';
import { createTestContext } from '../test/helpers/test-context.ts';
import { SINK_DOMAIN, startSink } from './outbound/end-to-end.ts';

const STAGES = ['accept', 'ingest', 'process', 'delivery', 'results'] as const;
type Stage = (typeof STAGES)[number];

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    profile: { type: 'string' },
    heap: { type: 'string' },
  },
  strict: true,
});
for (const stage of [args.profile, args.heap]) {
  if (stage !== undefined && !(STAGES as readonly string[]).includes(stage))
    throw new Error(`no stage ${stage}: one of ${STAGES.join(', ')}`);
}
const N = Number(args.messages);

const t = await createTestContext('sqlite');
const fixture = await createServerFixture(t.ctx);
await t.ctx.db.updateTable('servers').set({ mode: 'Live' }).where('id', '=', fixture.server.id).execute();
const queue = t.ctx.queue as DatabaseQueue;
const sink = await startSink();
const sender = await apiSender(t.ctx, fixture.server.id);
const sample = sampleMessage('app@example.com', `user@${SINK_DOMAIN}`);
// About 5 KB, as bench/outbound's messages.
const raw = Buffer.concat([sample.subarray(0, -2), Buffer.from(`${'x'.repeat(5000)}\r\n`)]);
const loaded = await loadFunctions(functions, t.ctx);
const session = new Session();
session.connect();
const outDir = tmpdir();

async function measure(stage: Stage, work: () => Promise<void>): Promise<void> {
  if (args.profile === stage) {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  if (args.heap === stage) {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 32_768,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    } as never);
  }
  const eluBefore = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await work();
  const wall = performance.now() - started;
  const elu = performance.eventLoopUtilization(eluBefore);
  const cpu = process.cpuUsage(cpuBefore);
  if (args.profile === stage) {
    const { profile } = await session.post('Profiler.stop');
    const file = join(outDir, `pipeline-${stage}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(`  CPU profile: ${file}`);
  }
  if (args.heap === stage) {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    const file = join(outDir, `pipeline-${stage}.heapprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(`  heap profile: ${file}`);
  }
  const perMessage = (ms: number) => `${(ms / N).toFixed(3)} ms`.padStart(9);
  console.log(
    `${stage.padEnd(9)} main thread ${perMessage(elu.active)}  process CPU ${perMessage((cpu.user + cpu.system) / 1000)}` +
      `  ${String(Math.round((N / wall) * 1000)).padStart(6)}/s`,
  );
}

// Counting a queue is a statement over all its rows: looked at every 5 ms, it took about 4 % of
// the stages' main thread (0.3 ms a count on a slow machine); every 50 ms, a tenth of that.
const settle = async (done: () => Promise<boolean>) => {
  while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 50));
};
const waiting = async (name: string) => {
  const depth = await queue.depth(name);
  return depth.visible + depth.inFlight + depth.delayed;
};

/** Runs one function's pollers until its queue is empty and the next has every message. */
async function stage(name: Stage, from: string, to: string | null): Promise<void> {
  await measure(name, async () => {
    const pollers = startQueuePollers({
      queue,
      queues: localQueueSpecs(['default']),
      functions: loaded.filter((fn) => fn.spec.name === name),
      logger: t.logger,
      idleMs: 5,
    });
    await settle(async () => (await waiting(from)) === 0 && (to === null || (await waiting(to)) >= N));
    await pollers.stop();
  });
}

console.log(`Pipeline stages, each alone over ${N} messages of about 5 KB (SQLite, DKIM, sink MX):`);
await measure('accept', async () => {
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next++ < N) {
        await acceptMessage(t.ctx, {
          raw,
          via: 'api',
          mailFrom: 'app@example.com',
          recipients: [
            { address: `user@${SINK_DOMAIN}`, kind: 'outgoing', serverId: fixture.server.id, routeId: null },
          ],
          credential: { serverId: fixture.server.id, credentialId: sender.credentialId },
          senderDomainId: sender.domainId,
          tls: true,
          clientIp: '127.0.0.1',
          bounce: false,
          tag: null,
        });
      }
    }),
  );
});
await stage('ingest', 'ingest', 'process');
await stage('process', 'process', 'deliver-default');
await measure('delivery', async () => {
  const transport = new NodemailerTransport({ logger: t.logger });
  const worker = startDeliveryWorker({
    queue,
    queueName: 'deliver-default',
    blobs: t.ctx.blobs,
    dns: new DnsCache(new NodeDns({ servers: [sink.dnsAddress] }), t.ctx.clock),
    transport,
    clock: t.ctx.clock,
    logger: t.logger,
    deliveryPort: sink.mxPort,
    allowPrivateTargets: true,
    onSend: (listener) => queue.onSend(listener),
  });
  await settle(async () => (await waiting('results')) >= N);
  await worker.stop();
  await transport.close();
});
await stage('results', 'results', null);
session.disconnect();
await sink.close();
await t.close();
