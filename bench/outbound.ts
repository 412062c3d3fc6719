// Outbound throughput and latency of the whole platform, each beside this machine's ceiling
// measured in the same run (issue 4, item 8). Run: npm run bench:outbound [-- --mysql] [--runs 3]
//
// Every measurement gets a platform of its own (`node bin/postern.ts start`, a fresh data
// directory and database, free ports), so that one measurement's backlog does not slow the next
// and each CPU profile (--profile) covers one workload. Ceilings run just before the platform
// measurement they belong to, so load from other work on the machine hits both alike.
//
//   API      send/message with a 5 KB body: wrk -t1 with N keep-alive connections at the
//            maximum rate, and an open-loop 1,000 req/s; ceiling: a bare node:http server that
//            parses the JSON and answers (bench/outbound/bare-http-server.ts); the open loop also
//            beside the same server appending each body to a file and syncing it before answering.
//   SMTP     smtp-source with 5 KB messages, 50 sessions reusing their connection (-d) and 200
//            sessions of one message each; ceiling: the same smtp-source into smtp-sink. Our edge
//            lets an SMTP-IP network submit without AUTH (Postal's rule), so the bench adds an
//            SMTP-IP credential for 127.0.0.1 and smtp-source (which can do neither AUTH nor
//            STARTTLS) is the client of both sides.
//   E2E      the server in Live mode, DNS (POSTERN_DNS_SERVERS) naming a sink MX on loopback
//            (POSTERN_DELIVERY_PORT): a burst through the API for the delivery rate, and an
//            open-loop rate for accept → first delivery attempt latency, matched by Message-ID.
//   Memory   peak RSS (VmHWM) of every platform process, and RSS with 1,000 idle SMTP sessions.

import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  awaitDeliveries,
  checkDkim,
  goLive,
  SINK_DOMAIN,
  startSink,
  submit,
  type Sink,
} from './outbound/end-to-end.ts';
import {
  fixedRate,
  startBareHttpServer,
  wrkMaxRate,
  type HttpTarget,
  type LoadResult,
} from './outbound/http-load.ts';
import { openSessions } from './outbound/open-sessions.ts';
import { cpuSecondsOf, startPlatform, type Platform, type PlatformOptions } from './outbound/platform.ts';
import { requireTools, runSmtpSource, startSmtpSink, type SourceOptions } from './outbound/postfix-tools.ts';
import { monotonicMicros, summarizeProfile, type ProfileWindow } from './outbound/profile-summary.ts';
import { summarizeDiagnostics } from './outbound/diagnostics-summary.ts';
import { runSessionTimeline, summarizeTimeline } from './outbound/session-timeline.ts';
import { formatMb, formatMs, formatRange, formatRate, median, table } from './outbound/stats.ts';

const { values: args } = parseArgs({
  options: {
    mysql: { type: 'boolean', default: false },
    'mysql-server': { type: 'string', default: 'mysql://root@127.0.0.1:3306' },
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    'e2e-messages': { type: 'string', default: '3000' },
    'e2e-rate': { type: 'string', default: '100' },
    sessions: { type: 'string', default: '1000' },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    diagnose: { type: 'boolean', default: false },
    'platform-env': { type: 'string', multiple: true, default: [] },
    experiment: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (args.help) {
  console.log(`Usage: node bench/outbound.ts [options]

  --mysql               run the platform on a fresh MariaDB database (--mysql-server, default
                        mysql://root@127.0.0.1:3306) instead of SQLite
  --runs N              repeat every measurement N times and print median (min – max); 3
  --seconds S           measured window of each rate measurement; 10 (after --warmup 2)
  --connections N       keep-alive clients for the API at maximum rate; 50
  --e2e-messages N      burst size for the end-to-end delivery rate; 3000
  --e2e-rate R          offered msg/s for the accept → delivery latency; 100
  --sessions N          idle SMTP sessions for the RSS measurement; 1000
  --only a,b            some of: api, api-fixed, smtp-reuse, smtp-single, e2e, e2e-latency, sessions
  --platform-env K=V    extra environment for every platform process (repeatable), for
                        experiments such as UV_THREADPOOL_SIZE=32 or POSTERN_LOG_LEVEL=warn
  --experiment a,b      not a valid configuration, for sizing proposals only: nosync
                        (no fsync or fdatasync through a FileHandle: blob files, WAL syncs)
  --profile             run each platform with --cpu-prof and print where its time went
  --diagnose            count and time SQL statements, blob-store calls and event-loop delay
                        per accepted message (a preload wraps node:sqlite and SqliteBlobStore;
                        it slows the platform a little, so keep it apart from the figures)

Needs Debian's postfix (smtp-source, smtp-sink; the daemon itself not running) and wrk.`);
  process.exit(0);
}

const RUNS = Number(args.runs);
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const CONNECTIONS = Number(args.connections);
const E2E_MESSAGES = Number(args['e2e-messages']);
const E2E_RATE = Number(args['e2e-rate']);
const SESSIONS = Number(args.sessions);
const FIXED_API_RATE = 1000;
const BODY_BYTES = 5 * 1024;
const SENDER = 'app@example.com';
const RECIPIENT = `user@${SINK_DOMAIN}`;
const ALL = ['api', 'api-fixed', 'smtp-reuse', 'smtp-single', 'e2e', 'e2e-latency', 'sessions'] as const;
type Measurement = (typeof ALL)[number];
const only = new Set((args.only ?? ALL.join(',')).split(',').map((name) => name.trim()));
for (const name of only) {
  if (!(ALL as readonly string[]).includes(name)) throw new Error(`unknown measurement ${name} in --only`);
}
const wanted = (name: Measurement) => only.has(name);

const workDir = mkdtempSync(join(tmpdir(), 'postern-bench-outbound-'));
const profileDir = args.profile ? join(workDir, 'profiles') : undefined;
const extraEnv = Object.fromEntries(
  args['platform-env'].map((pair) => {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`--platform-env wants KEY=VALUE, not ${pair}`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);
const platformOptions = (label: string, run: number, env: Record<string, string> = {}): PlatformOptions => ({
  label: `${label}-${run}`,
  env: { ...extraEnv, ...env },
  ...(args.mysql ? { mysqlServer: args['mysql-server'] } : {}),
  ...(profileDir && run === 1 ? { profileDir } : {}),
  ...(args.diagnose && run === 1 ? { diagnose: true } : {}),
  ...(args.experiment ? { experiments: args.experiment.split(',') } : {}),
});

/** A 5 KB plain-text body, in lines as a person's message would be. */
function plainBody(bytes: number): string {
  const line = 'The quick brown fox jumps over the lazy dog, and then it files its weekly report.\n';
  return line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
}

const sendMessageBody = JSON.stringify({
  to: [RECIPIENT],
  from: `Bench <${SENDER}>`,
  subject: 'Benchmark message',
  plain_body: plainBody(BODY_BYTES),
});

const apiTarget = (url: string, apiKey: string): HttpTarget => ({
  url,
  headers: { 'content-type': 'application/json', 'x-server-api-key': apiKey },
  body: sendMessageBody,
});

const sourceOptions = (port: number, reuse: boolean, sessions: number): SourceOptions => ({
  port,
  sessions,
  reuse,
  bodyBytes: BODY_BYTES,
  warmupSeconds: WARMUP,
  seconds: SECONDS,
  from: SENDER,
  to: RECIPIENT,
});

const diagnosticsSummaries: string[] = [];

/** The stretch of each platform's profile that holds its load, by platform label. */
const profileWindows = new Map<string, ProfileWindow>();

/**
 * CPU cores a process used while `work` ran (1.0 = one core busy the whole time), and its main
 * thread's share: the event loop, where Postern's requests, sessions and pipeline take turns. With a
 * platform label, the time is also kept as that platform's profile window.
 */
async function withCpu<T>(
  subject: number | Platform,
  work: () => Promise<T>,
): Promise<{ result: T; cores: number; mainCores: number }> {
  const pid = typeof subject === 'number' ? subject : subject.pid;
  const label = typeof subject === 'number' ? undefined : subject.label;
  const cpuBefore = cpuSecondsOf(pid);
  const mainBefore = cpuSecondsOf(pid, pid);
  const start = performance.now();
  const window = { start: monotonicMicros(), end: 0 };
  if (typeof subject !== 'number') await subject.diagnosticsWindow();
  const result = await work();
  window.end = monotonicMicros();
  if (label) profileWindows.set(label, window);
  if (typeof subject !== 'number') {
    const diagnostics = await subject.diagnosticsWindow();
    if (diagnostics) diagnosticsSummaries.push(summarizeDiagnostics(subject.label, diagnostics));
  }
  const seconds = (performance.now() - start) / 1000;
  const cores = (cpuSecondsOf(pid) - cpuBefore) / seconds;
  return { result, cores, mainCores: (cpuSecondsOf(pid, pid) - mainBefore) / seconds };
}

// ---- results, kept per run --------------------------------------------------------------------

interface Sample {
  ours: number;
  ceiling?: number;
  oursCpu?: number;
  /** Cores the platform's main thread used: 1.0 is an event loop with no time to spare. */
  oursMain?: number;
  ceilingCpu?: number;
  note?: string;
}
const samples = new Map<string, Sample[]>();
const notes: string[] = [];
const peakRss: { label: string; bytes: number }[] = [];

/** The CPU fields of a sample, from what withCpu measured on the platform. */
const platformCpu = (measured: { cores: number; mainCores: number }) => ({
  oursCpu: measured.cores,
  oursMain: measured.mainCores,
});

function record(key: string, sample: Sample): void {
  samples.set(key, [...(samples.get(key) ?? []), sample]);
}

function failuresNote(what: string, result: { failures: number; sample?: string }): void {
  if (result.failures > 0) notes.push(`${what}: ${result.failures} failed, e.g. ${result.sample ?? '?'}`);
}

async function withPlatform<T>(
  options: PlatformOptions,
  work: (platform: Platform) => Promise<T>,
): Promise<T> {
  const platform = await startPlatform(options);
  try {
    return await work(platform);
  } finally {
    const { peakRss: bytes } = await platform.stop();
    peakRss.push({ label: options.label, bytes });
  }
}

// ---- measurements -----------------------------------------------------------------------------

async function measureApiMaxRate(run: number): Promise<void> {
  const bare = await startBareHttpServer();
  const ceiling = await withCpu(bare.pid, () =>
    wrkMaxRate(apiTarget(bare.url, 'none'), {
      connections: CONNECTIONS,
      seconds: SECONDS,
      warmupSeconds: WARMUP,
      scriptDir: workDir,
    }),
  );
  await bare.stop();
  await withPlatform(platformOptions('api', run), async (platform) => {
    const target = apiTarget(`${platform.httpUrl}/api/v1/send/message`, platform.apiKey);
    const ours = await withCpu(platform, () =>
      wrkMaxRate(target, {
        connections: CONNECTIONS,
        seconds: SECONDS,
        warmupSeconds: WARMUP,
        scriptDir: workDir,
      }),
    );
    failuresNote(`API at max rate, run ${run}`, ours.result);
    failuresNote(`bare node:http at max rate, run ${run}`, ceiling.result);
    recordLoad('api', ours, ceiling);
  });
}

/** Rate and latency percentiles of one HTTP load, beside the bare server's. */
function recordLoad(
  prefix: string,
  ours: { result: LoadResult; cores: number; mainCores: number },
  ceiling: { result: LoadResult; cores: number },
): void {
  for (const figure of ['rate', 'p50', 'p95', 'p99'] as const) {
    record(`${prefix}.${figure}`, {
      ours: ours.result[figure],
      ceiling: ceiling.result[figure],
      ...platformCpu(ours),
      ceilingCpu: ceiling.cores,
    });
  }
}

async function measureApiFixedRate(run: number): Promise<void> {
  const options = { rate: FIXED_API_RATE, seconds: SECONDS, warmupSeconds: WARMUP };
  const ceilingOf = async (durable: boolean) => {
    const bare = await startBareHttpServer({ durable });
    const measured = await withCpu(bare.pid, () => fixedRate(apiTarget(bare.url, 'none'), options));
    await bare.stop();
    return measured;
  };
  const ceiling = await ceilingOf(false);
  const durableCeiling = await ceilingOf(true);
  await withPlatform(platformOptions('api-fixed', run), async (platform) => {
    const target = apiTarget(`${platform.httpUrl}/api/v1/send/message`, platform.apiKey);
    const ours = await withCpu(platform, () => fixedRate(target, options));
    failuresNote(`API at ${FIXED_API_RATE}/s, run ${run}`, ours.result);
    failuresNote(`durable bare node:http at ${FIXED_API_RATE}/s, run ${run}`, durableCeiling.result);
    recordLoad('api-fixed', ours, ceiling);
    recordLoad('api-fixed-durable', ours, durableCeiling);
  });
}

async function measureSmtp(run: number, reuse: boolean): Promise<void> {
  const sessions = reuse ? 50 : 200;
  const key = reuse ? 'smtp-reuse' : 'smtp-single';
  const sink = await startSmtpSink();
  const ceiling = await withCpu(sink.pid, () => runSmtpSource(sourceOptions(sink.port, reuse, sessions)));
  await sink.stop();
  if (ceiling.result.errors) notes.push(`smtp-sink ${key}, run ${run}: ${ceiling.result.errors}`);
  await withPlatform(platformOptions(key, run), async (platform) => {
    const created = await platform.management('POST', platform.serverPath('/credentials'), {
      type: 'SMTP-IP',
      name: 'Benchmark loopback',
      network: '127.0.0.1',
    });
    if (created.status !== 201) throw new Error(`SMTP-IP credential: ${JSON.stringify(created.body)}`);
    await sleep(200);
    const ours = await withCpu(platform, () =>
      runSmtpSource(sourceOptions(platform.smtpPort, reuse, sessions)),
    );
    if (ours.result.errors)
      notes.push(`Postern ${key}, run ${run}: smtp-source stopped: ${ours.result.errors}`);
    if (!reuse && args.diagnose && run === 1) {
      const options = {
        port: platform.smtpPort,
        sessions,
        total: 4_000,
        from: SENDER,
        to: RECIPIENT,
        bodyBytes: BODY_BYTES,
      };
      diagnosticsSummaries.push(
        summarizeTimeline(`${key}-${run}`, options, await runSessionTimeline(options)),
      );
    }
    record(`${key}.rate`, {
      ours: ours.result.rate,
      ceiling: ceiling.result.rate,
      ...platformCpu(ours),
      ceilingCpu: ceiling.cores,
    });
  });
}

/** smtp-source into smtp-sink with the delivery worker's 10 jobs at once: SMTP transfer alone. */
async function measureDeliveryCeiling(): Promise<number> {
  const sink = await startSmtpSink();
  const result = await runSmtpSource(sourceOptions(sink.port, true, 10));
  await sink.stop();
  return result.rate;
}

async function measureEndToEnd(run: number, sink: Sink): Promise<void> {
  const ceiling = await measureDeliveryCeiling();
  const env = { POSTERN_DNS_SERVERS: sink.dnsAddress, POSTERN_DELIVERY_PORT: String(sink.mxPort) };
  await withPlatform(platformOptions('e2e', run, env), async (platform) => {
    await goLive(platform);
    const target = apiTarget(`${platform.httpUrl}/api/v1/send/message`, platform.apiKey);
    const measured = await withCpu(platform, async () => {
      const submission = await submit(target, { count: E2E_MESSAGES, concurrency: 20 });
      const deliveries = await awaitDeliveries(sink, submission, 30_000);
      return { submission, deliveries };
    });
    const { submission, deliveries } = measured.result;
    failuresNote(`E2E burst submissions, run ${run}`, submission);
    if (deliveries.missing > 0)
      notes.push(`E2E burst, run ${run}: ${deliveries.missing} accepted messages never reached the sink`);
    record('e2e.rate', { ours: deliveries.rate, ceiling, ...platformCpu(measured) });
    record('e2e.accept', { ours: submission.acceptRate });
    record('e2e.burst-p95', { ours: deliveries.p95 });
    if (run === 1)
      notes.push(
        `DKIM on delivered samples (mailauth, strict): ${await checkDkim(platform, await sink.samples())}`,
      );
  });
}

async function measureEndToEndLatency(run: number, sink: Sink): Promise<void> {
  const env = { POSTERN_DNS_SERVERS: sink.dnsAddress, POSTERN_DELIVERY_PORT: String(sink.mxPort) };
  await withPlatform(platformOptions('e2e-latency', run, env), async (platform) => {
    await goLive(platform);
    const target = apiTarget(`${platform.httpUrl}/api/v1/send/message`, platform.apiKey);
    const measured = await withCpu(platform, async () => {
      const submission = await submit(target, {
        count: Math.round(E2E_RATE * SECONDS),
        rate: E2E_RATE,
        concurrency: 20,
      });
      return { submission, deliveries: await awaitDeliveries(sink, submission, 30_000) };
    });
    const { submission, deliveries } = measured.result;
    failuresNote(`E2E at ${E2E_RATE}/s, run ${run}`, submission);
    if (deliveries.missing > 0)
      notes.push(`E2E at ${E2E_RATE}/s, run ${run}: ${deliveries.missing} never reached the sink`);
    record('e2e-latency.p50', { ours: deliveries.p50, oursCpu: measured.cores });
    record('e2e-latency.p95', { ours: deliveries.p95, oursCpu: measured.cores });
    record('e2e-latency.p99', { ours: deliveries.p99, oursCpu: measured.cores });
  });
}

async function measureSessions(run: number): Promise<void> {
  await withPlatform(platformOptions('sessions', run), async (platform) => {
    await sleep(1000);
    record('rss.idle', { ours: platform.memory().rss });
    for (const tls of [false, true]) {
      const open = await openSessions(platform.smtpPort, SESSIONS, { tls });
      await sleep(1000);
      const { rss } = platform.memory();
      if (open.failed > 0)
        notes.push(
          `${open.failed} of ${SESSIONS} sessions (${tls ? 'STARTTLS' : 'plain'}) failed to open, run ${run}: ${open.sample}`,
        );
      record(tls ? 'rss.tls' : 'rss.plain', { ours: rss, note: `${open.opened} open` });
      await open.close();
      await sleep(500);
    }
  });
}

// ---- the run ----------------------------------------------------------------------------------

requireTools();
const startedAt = new Date();
console.log(
  `Postern outbound benchmark: ${RUNS} run(s), ${SECONDS} s windows after ${WARMUP} s warm-up, ` +
    `${args.mysql ? `MariaDB (${args['mysql-server']})` : 'SQLite'}`,
);
console.log(
  `Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Linux ${release()}, Node ${process.version}, ` +
    `load average at start ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
);

if (args.experiment)
  console.log(`EXPERIMENT ${args.experiment}: not a valid configuration, for sizing proposals only`);
if (Object.keys(extraEnv).length > 0)
  console.log(`Platform environment added: ${args['platform-env'].join(' ')}`);

const sink = wanted('e2e') || wanted('e2e-latency') ? await startSink() : null;
try {
  for (let run = 1; run <= RUNS; run++) {
    const steps: [Measurement, () => Promise<void>][] = [
      ['api', () => measureApiMaxRate(run)],
      ['api-fixed', () => measureApiFixedRate(run)],
      ['smtp-reuse', () => measureSmtp(run, true)],
      ['smtp-single', () => measureSmtp(run, false)],
      ['e2e', () => measureEndToEnd(run, sink!)],
      ['e2e-latency', () => measureEndToEndLatency(run, sink!)],
      ['sessions', () => measureSessions(run)],
    ];
    for (const [name, step] of steps) {
      if (!wanted(name)) continue;
      const began = performance.now();
      process.stdout.write(`run ${run}/${RUNS}: ${name} … `);
      await step();
      console.log(`${((performance.now() - began) / 1000).toFixed(0)} s`);
    }
  }
} finally {
  await sink?.close();
}

// ---- the table --------------------------------------------------------------------------------

type Direction = 'min' | 'max';
interface Row {
  label: string;
  key: string;
  format: (value: number) => string;
  target?: { value: number; direction: Direction; text: string };
  ceilingLabel?: string;
}

const rows: Row[] = [
  {
    label: `API send/message, max rate (wrk, ${CONNECTIONS} keep-alive conns)`,
    key: 'api.rate',
    format: formatRate,
    target: { value: 2000, direction: 'min', text: '≥ 2,000/s' },
    ceilingLabel: 'bare node:http',
  },
  { label: '  latency p50 at max rate', key: 'api.p50', format: formatMs },
  { label: '  latency p95 at max rate', key: 'api.p95', format: formatMs },
  { label: '  latency p99 at max rate', key: 'api.p99', format: formatMs },
  {
    label: `API at a fixed ${FIXED_API_RATE.toLocaleString('en-US')} req/s: achieved`,
    key: 'api-fixed.rate',
    format: formatRate,
  },
  { label: '  latency p50', key: 'api-fixed.p50', format: formatMs },
  {
    label: '  latency p95',
    key: 'api-fixed.p95',
    format: formatMs,
    target: { value: 10, direction: 'max', text: '≤ 10 ms' },
    ceilingLabel: 'bare node:http',
  },
  { label: '  latency p99', key: 'api-fixed.p99', format: formatMs },
  {
    label: '  latency p95 beside a bare server that syncs',
    key: 'api-fixed-durable.p95',
    format: formatMs,
    ceilingLabel: 'bare node:http + fdatasync',
  },
  {
    label: 'SMTP 5 KB, 50 sessions reusing (smtp-source -d)',
    key: 'smtp-reuse.rate',
    format: formatRate,
    target: { value: 2000, direction: 'min', text: '≥ 2,000/s' },
    ceilingLabel: 'smtp-source → smtp-sink',
  },
  {
    label: 'SMTP 5 KB, 200 sessions × 1 message',
    key: 'smtp-single.rate',
    format: formatRate,
    target: { value: 1000, direction: 'min', text: '≥ 1,000/s' },
    ceilingLabel: 'smtp-source → smtp-sink',
  },
  {
    label: `End-to-end, DKIM, API burst of ${E2E_MESSAGES.toLocaleString('en-US')} → sink MX`,
    key: 'e2e.rate',
    format: formatRate,
    target: { value: 500, direction: 'min', text: '≥ 500/s' },
    ceilingLabel: 'smtp-source -d -s 10 → smtp-sink',
  },
  { label: '  API accept rate during the burst', key: 'e2e.accept', format: formatRate },
  { label: '  accept → delivered p95 during the burst', key: 'e2e.burst-p95', format: formatMs },
  {
    label: `Accept → first delivery attempt at ${E2E_RATE}/s: p50`,
    key: 'e2e-latency.p50',
    format: formatMs,
  },
  {
    label: '  p95',
    key: 'e2e-latency.p95',
    format: formatMs,
    target: { value: 250, direction: 'max', text: '≤ 250 ms' },
  },
  { label: '  p99', key: 'e2e-latency.p99', format: formatMs },
  { label: 'RSS, idle platform after start', key: 'rss.idle', format: formatMb },
  {
    label: `RSS with ${SESSIONS.toLocaleString('en-US')} SMTP sessions after EHLO (plain)`,
    key: 'rss.plain',
    format: formatMb,
  },
  {
    label: `RSS with ${SESSIONS.toLocaleString('en-US')} SMTP sessions after STARTTLS + EHLO`,
    key: 'rss.tls',
    format: formatMb,
    target: { value: 256 * 1024 * 1024, direction: 'max', text: '≤ 256 MB' },
  },
];

function verdict(row: Row, value: number): string {
  if (!row.target) return '';
  const { value: target, direction } = row.target;
  if (!Number.isFinite(value)) return 'MISS (no value)';
  if (direction === 'min') {
    return value >= target ? 'PASS' : `MISS (${Math.round((value / target) * 100)}% of target)`;
  }
  if (value <= target) return 'PASS';
  const over = value / target;
  return over < 1.5 ? `MISS (${row.format(value - target)} over)` : `MISS (${over.toFixed(1)}× the limit)`;
}

const cores = (values: (number | undefined)[]) => {
  const defined = values.filter((value): value is number => value !== undefined);
  return defined.length === 0 ? '' : formatRange(defined, (value) => value.toFixed(2));
};

/**
 * On a rate's row, how busy the platform's main thread was and its time a message (busy cores over
 * the rate): steadier from run to run than a tail latency, and what a change to the hot path moves.
 */
function mainThread(row: Row, list: readonly Sample[]): string {
  if (!row.key.endsWith('.rate')) return '';
  const measured = list.filter((sample) => sample.oursMain !== undefined && sample.ours > 0);
  if (measured.length === 0) return '';
  const busy = cores(measured.map((sample) => sample.oursMain));
  const perMessage = formatRange(
    measured.map((sample) => ((sample.oursMain ?? 0) / sample.ours) * 1000),
    (value) => `${value.toFixed(2)} ms`,
  );
  return `${busy}, ${perMessage}`;
}

const output: string[][] = [
  [
    'measurement',
    'Postern',
    'target',
    'verdict',
    'ceiling (same run)',
    'Postern / ceiling',
    'CPU cores: Postern | ceiling',
    'main thread: busy, ms a message',
  ],
];
for (const row of rows) {
  const list = samples.get(row.key);
  if (!list || list.length === 0) continue;
  const ours = list.map((sample) => sample.ours);
  const ceilings = list
    .map((sample) => sample.ceiling)
    .filter((value): value is number => value !== undefined);
  const ratio = ceilings.length > 0 ? median(ours) / median(ceilings) : Number.NaN;
  output.push([
    row.label,
    formatRange(ours, row.format),
    row.target?.text ?? '',
    verdict(row, median(ours)),
    ceilings.length > 0
      ? `${formatRange(ceilings, row.format)}${row.ceilingLabel ? ` ${row.ceilingLabel}` : ''}`
      : '',
    Number.isFinite(ratio)
      ? row.format === formatMs
        ? `${ratio.toFixed(1)}×`
        : `${Math.round(ratio * 100)}%`
      : '',
    row.key.endsWith('.rate') || row.target
      ? [cores(list.map((sample) => sample.oursCpu)), cores(list.map((sample) => sample.ceilingCpu))]
          .filter(Boolean)
          .join(' | ')
      : '',
    mainThread(row, list),
  ]);
}
if (peakRss.length > 0) {
  const highest = peakRss.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  output.push([
    'Peak RSS of the platform process (any measurement)',
    formatMb(highest.bytes),
    '',
    '',
    '',
    '',
    `in ${highest.label}`,
    '',
  ]);
}

console.log('');
console.log(
  `Started ${startedAt.toISOString()}, took ${Math.round((Date.now() - startedAt.getTime()) / 60_000)} min, load average at the end ` +
    `${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}; values are median (min – max) over ${RUNS} run(s); verdicts on the median.`,
);
console.log(table(output));
console.log('');
console.log(
  'Notes: 250 and `success` only after the raw message and its pointers are durable (fsync) and the envelope is\n' +
    'committed (its pointers are its record); SMTP through an SMTP-IP credential for 127.0.0.1, without AUTH or TLS,\n' +
    'smtp-source being the client on both sides; log level info to a file; each measurement on a fresh platform\n' +
    'process with an empty database; MB = 2^20 bytes.' +
    (args.mysql
      ? '\nWith --mysql, MariaDB runs in its own process: its CPU is not in the Postern column.'
      : ''),
);
for (const note of notes) console.log(`- ${note}`);
if (peakRss.length > 0) {
  // The highest peak of each measurement over its runs.
  const byMeasurement = new Map<string, number>();
  for (const { label, bytes } of peakRss) {
    const name = label.replace(/-\d+$/, '');
    byMeasurement.set(name, Math.max(byMeasurement.get(name) ?? 0, bytes));
  }
  const list = [...byMeasurement].map(([name, bytes]) => `${name} ${formatMb(bytes)}`).join(', ');
  console.log(`- Peak RSS (VmHWM) by measurement, highest of the runs: ${list}`);
}
if (diagnosticsSummaries.length > 0) {
  console.log('');
  console.log('Diagnostics of the first run (--diagnose), during each load:');
  for (const summary of diagnosticsSummaries) console.log(summary);
}
if (profileDir) {
  console.log('');
  console.log(`CPU profiles of the first run (${profileDir}):`);
  for (const name of ALL) {
    if (!wanted(name)) continue;
    try {
      const window = profileWindows.get(`${name}-1`);
      console.log(
        summarizeProfile(join(profileDir, `${name}-1.cpuprofile`), {
          top: 15,
          ...(window ? { window } : {}),
        }),
      );
    } catch (error) {
      console.log(`  ${name}: no profile (${String(error)})`);
    }
  }
}
