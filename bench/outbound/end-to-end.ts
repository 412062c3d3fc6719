import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { dkimPublicKey } from '../../core/domains/dkim-key.ts';
import { characterStrings, dkimRecordValue } from '../../core/domains/dns-records.ts';
import type { SinkCommand, SinkReport } from './sink-mx.ts';
import { failureOf, poster, type HttpTarget } from './http-load.ts';
import type { Platform } from './platform.ts';
import { percentile } from './stats.ts';

// Accepted → delivered: messages sent through the send API of a server in Live mode, signed and
// delivered by the platform to the sink MX (bench/outbound/sink-mx.ts) that the bench's DNS names
// as the recipients' MX. Each message is matched by its Message-ID, which the API returns; the
// latency is from the API's answer (the accept) to the sink reading the end of DATA (the first
// delivery attempt, since the sink accepts everything). Both times come from the same clock.

export const SINK_DOMAIN = 'sink.test';

export interface Sink {
  dnsAddress: string;
  mxPort: number;
  /** Arrival time (epoch ms, sub-ms precision) by Message-ID, without angle brackets. */
  arrivals: Map<string, number>;
  /** The first few messages received, whole. */
  samples(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const zone = {
    [SINK_DOMAIN]: { MX: [{ exchange: `mx.${SINK_DOMAIN}`, priority: 10 }] },
    [`mx.${SINK_DOMAIN}`]: { A: ['127.0.0.1'] },
  };
  const child: ChildProcess = fork(join(import.meta.dirname, 'sink-mx.ts'), [JSON.stringify(zone)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const arrivals = new Map<string, number>();
  let samplesWaiter: ((messages: string[]) => void) | null = null;
  const ready = new Promise<{ dnsAddress: string; mxPort: number }>((resolve, reject) => {
    child.once('exit', () => reject(new Error('the sink exited')));
    child.on('message', (report: SinkReport) => {
      if (report.kind === 'ready') resolve(report);
      if (report.kind === 'received')
        for (const { messageId, at } of report.batch) arrivals.set(messageId, at);
      if (report.kind === 'samples') samplesWaiter?.(report.messages);
    });
  });
  const { dnsAddress, mxPort } = await ready;
  const command = (message: SinkCommand) => child.send(message);
  return {
    dnsAddress,
    mxPort,
    arrivals,
    samples: () =>
      new Promise((resolve) => {
        samplesWaiter = resolve;
        command({ kind: 'samples' });
      }),
    async close() {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      command({ kind: 'close' });
      await Promise.race([exited, sleep(3000, undefined, { ref: false })]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export interface Submission {
  /** Accept time (epoch ms) by Message-ID. */
  accepted: Map<string, number>;
  failures: number;
  sample?: string;
  /** When the first request was sent, epoch ms. */
  startedAt: number;
  /** Accepted messages per second over the submission. */
  acceptRate: number;
}

const epochNow = (): number => performance.timeOrigin + performance.now();

/**
 * `count` messages through the API: at a fixed rate (open loop) when `rate` is given, else as
 * fast as `concurrency` keep-alive clients go.
 */
export async function submit(
  target: HttpTarget,
  options: { count: number; rate?: number; concurrency: number },
): Promise<Submission> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.rate ? 256 : options.concurrency });
  const post = poster(target, agent);
  const accepted = new Map<string, number>();
  let failures = 0;
  let sample: string | undefined;
  const one = async (): Promise<void> => {
    const answer = await post();
    const at = epochNow();
    const id = 'text' in answer ? /"message_id":"([^"]+)"/.exec(answer.text)?.[1] : undefined;
    const failure = failureOf(answer) ?? (id ? undefined : 'no message_id in the answer');
    if (failure === undefined && id) accepted.set(id, at);
    else {
      failures++;
      sample ??= failure;
    }
  };

  const startedAt = epochNow();
  if (options.rate) {
    const interval = 1000 / options.rate;
    const start = performance.now();
    const inFlight = new Set<Promise<void>>();
    let sent = 0;
    while (sent < options.count) {
      while (sent < options.count && start + sent * interval <= performance.now()) {
        const work = one();
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work));
        sent++;
      }
      await sleep(1);
    }
    await Promise.all(inFlight);
  } else {
    let next = 0;
    const worker = async () => {
      while (next < options.count) {
        next++;
        await one();
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  }
  agent.destroy();
  const seconds = (epochNow() - startedAt) / 1000;
  return {
    accepted,
    failures,
    ...(sample ? { sample } : {}),
    startedAt,
    acceptRate: accepted.size / seconds,
  };
}

export interface Deliveries {
  delivered: number;
  /** Delivered per second, from the first request sent to the last message delivered. */
  rate: number;
  p50: number;
  p95: number;
  p99: number;
  /** Messages accepted but not delivered before the timeout. */
  missing: number;
}

/** Waits until the sink has every accepted message (or `timeoutMs` passes without progress). */
export async function awaitDeliveries(
  sink: Sink,
  submission: Submission,
  timeoutMs: number,
): Promise<Deliveries> {
  let seen = -1;
  let lastProgress = performance.now();
  for (;;) {
    let count = 0;
    for (const id of submission.accepted.keys()) if (sink.arrivals.has(id)) count++;
    if (count === submission.accepted.size) break;
    if (count !== seen) {
      seen = count;
      lastProgress = performance.now();
    } else if (performance.now() - lastProgress > timeoutMs) break;
    await sleep(100);
  }
  const latencies: number[] = [];
  let last = submission.startedAt;
  for (const [id, acceptedAt] of submission.accepted) {
    const at = sink.arrivals.get(id);
    if (at === undefined) continue;
    latencies.push(at - acceptedAt);
    last = Math.max(last, at);
  }
  latencies.sort((a, b) => a - b);
  return {
    delivered: latencies.length,
    rate: latencies.length / ((last - submission.startedAt) / 1000),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    missing: submission.accepted.size - latencies.length,
  };
}

/** Moves the sample server to Live mode, so its mail is delivered rather than held. */
export async function goLive(platform: Platform): Promise<void> {
  const response = await platform.management('PATCH', platform.serverPath(), { mode: 'Live' });
  if (response.status !== 200) throw new Error(`switching to Live failed: ${JSON.stringify(response.body)}`);
}

/**
 * mailauth's verdict on the DKIM signatures of the sampled messages, with DNS answered from the
 * records the management API publishes for the sending domain and the installation's key.
 */
export async function checkDkim(platform: Platform, messages: readonly string[]): Promise<string> {
  const zone = new Map<string, string[]>();
  const domains = (await platform.management('GET', platform.serverPath('/domains'))).body as {
    data: { dns_records: { purpose: string; name: string; strings?: string[] }[] }[];
  };
  for (const record of domains.data.flatMap((domain) => domain.dns_records)) {
    if (record.purpose === 'dkim' && record.strings) zone.set(record.name.toLowerCase(), record.strings);
  }
  const installationKey = readFileSync(join(platform.dataDir, 'keys', 'signing.pem'), 'utf8');
  const installationRecord = characterStrings(dkimRecordValue(dkimPublicKey(installationKey)));
  const resolver = async (name: string, type: string): Promise<string[][]> => {
    const lower = name.toLowerCase();
    const record =
      type !== 'TXT'
        ? undefined
        : (zone.get(lower) ?? (lower.includes('._domainkey.rp.') ? installationRecord : undefined));
    if (!record) throw Object.assign(new Error(`${name} ${type}: not found`), { code: 'ENOTFOUND' });
    return [record];
  };
  const verdicts: string[] = [];
  for (const message of messages) {
    const outcome = await dkimVerify(Buffer.from(message, 'latin1'), { resolver, strict: true });
    const results = outcome.results.map(
      (result) => `${result.status.result}${result.signingDomain ? ` d=${result.signingDomain}` : ''}`,
    );
    verdicts.push(results.length === 0 ? 'unsigned' : results.join('+'));
  }
  const counts = new Map<string, number>();
  for (const verdict of verdicts) counts.set(verdict, (counts.get(verdict) ?? 0) + 1);
  return [...counts].map(([verdict, count]) => `${count}× ${verdict}`).join(', ') || 'no samples';
}
