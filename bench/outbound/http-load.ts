import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from './stats.ts';

// Two HTTP load shapes for the send API and its bare node:http ceiling, the same for both:
// - closed loop at the maximum rate: wrk (C, one thread) with N keep-alive connections, so the
//   client takes as little of the machine's two cores as it can;
// - open loop at a fixed rate: requests scheduled every 1/rate s over a pool of keep-alive
//   connections, latency measured from the time a request was due (so a stall counts in full
//   for everything queued behind it, not only the one request it hit).
// A response counts as accepted only if it is HTTP 200 with `"status":"success"`.

export interface HttpTarget {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadResult {
  requests: number;
  /** Responses that were not accepted, and connection errors. */
  failures: number;
  seconds: number;
  rate: number;
  p50: number;
  p95: number;
  p99: number;
  /** The first failed response, to show what went wrong. */
  sample?: string;
}

/** A wrk script with the request built in (Lua long strings need no escaping). */
function wrkScript(target: HttpTarget): string {
  const headers = Object.entries(target.headers)
    .map(([name, value]) => `wrk.headers[ [==[${name}]==] ] = [==[${value}]==]`)
    .join('\n');
  return `
wrk.method = "POST"
wrk.body = [==[${target.body}]==]
${headers}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) failures = 0; sample = "" end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"status":"success"', 1, true) then
    failures = failures + 1
    if sample == "" then sample = tostring(status) .. " " .. string.sub(body, 1, 300) end
  end
end
function done(summary, latency, requests)
  local failed, sample = 0, ""
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
    if sample == "" then sample = thread:get("sample") end
  end
  local e = summary.errors
  io.write(string.format('BENCH {"requests":%d,"seconds":%f,"p50":%f,"p95":%f,"p99":%f,"failures":%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, failed + e.connect + e.read + e.write + e.timeout))
  io.write("SAMPLE " .. string.gsub(sample, "\\n", " ") .. "\\n")
end
`;
}

/** wrk -t1 -c<connections> for `seconds`, after a warm-up run of `warmupSeconds` that is not counted. */
export async function wrkMaxRate(
  target: HttpTarget,
  options: { connections: number; seconds: number; warmupSeconds: number; scriptDir: string },
): Promise<LoadResult> {
  const script = join(options.scriptDir, 'wrk-send-message.lua');
  writeFileSync(script, wrkScript(target));
  const run = async (seconds: number): Promise<LoadResult> => {
    const args = [
      '-t1',
      `-c${options.connections}`,
      `-d${seconds}s`,
      '--timeout',
      '10s',
      '-s',
      script,
      target.url,
    ];
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.once('error', reject);
      child.once('exit', () => resolve(text));
    });
    const line = /^BENCH (\{.*\})$/m.exec(output)?.[1];
    if (!line) throw new Error(`wrk said:\n${output}`);
    const parsed = JSON.parse(line) as Omit<LoadResult, 'rate'>;
    const sample = /^SAMPLE (.*)$/m.exec(output)?.[1]?.trim();
    return {
      ...parsed,
      rate: (parsed.requests - parsed.failures) / parsed.seconds,
      ...(sample ? { sample } : {}),
    };
  };
  if (options.warmupSeconds > 0) await run(options.warmupSeconds);
  return run(options.seconds);
}

export type PostAnswer = { status: number; text: string } | { error: string };

/** A function that POSTs the target's body once and gives its answer; it never rejects. */
export function poster(target: HttpTarget, agent: Agent): () => Promise<PostAnswer> {
  const url = new URL(target.url);
  const body = Buffer.from(target.body);
  const headers = { ...target.headers, 'content-length': String(body.length) };
  return () =>
    new Promise((resolve) => {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
        },
      );
      req.on('error', (error) => resolve({ error: String(error) }));
      req.end(body);
    });
}

/** Why an answer is not Postal's `success`, or undefined when it is. */
export function failureOf(answer: PostAnswer): string | undefined {
  if ('error' in answer) return answer.error;
  if (answer.status === 200 && answer.text.includes('"status":"success"')) return undefined;
  return `${answer.status} ${answer.text.slice(0, 300)}`;
}

/** Requests at a fixed rate for `seconds`, after `warmupSeconds` at the same rate that are not counted. */
export async function fixedRate(
  target: HttpTarget,
  options: { rate: number; seconds: number; warmupSeconds: number; maxSockets?: number },
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 });
  const post = poster(target, agent);
  const latencies: number[] = [];
  let failures = 0;
  let sample: string | undefined;
  const inFlight = new Set<Promise<void>>();

  const one = async (due: number, counted: boolean): Promise<void> => {
    const answer = await post();
    if (!counted) return;
    latencies.push(performance.now() - due);
    const failure = failureOf(answer);
    if (failure) {
      failures++;
      sample ??= failure;
    }
  };

  const interval = 1000 / options.rate;
  const total = Math.round((options.warmupSeconds + options.seconds) * options.rate);
  const warmup = Math.round(options.warmupSeconds * options.rate);
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    while (sent < total && start + sent * interval <= now) {
      const work = one(start + sent * interval, sent >= warmup);
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
      sent++;
    }
    await sleep(1);
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - start) / 1000 - options.warmupSeconds;
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    requests: sorted.length,
    failures,
    seconds,
    rate: (sorted.length - failures) / options.seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    ...(sample ? { sample } : {}),
  };
}

/** Starts bench/outbound/bare-http-server.ts; resolves with its URL and a stop function. */
/** `durable`: the server writes each body to disk before answering (see bare-http-server.ts). */
export async function startBareHttpServer(
  options: { durable?: boolean } = {},
): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const args = [join(import.meta.dirname, 'bare-http-server.ts'), ...(options.durable ? ['--durable'] : [])];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /listening (\d+)/.exec(text);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', () => reject(new Error('the bare HTTP server exited')));
  });
  return {
    url: `http://127.0.0.1:${port}/api/v1/send/message`,
    pid: child.pid ?? 0,
    async stop() {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(3000, undefined, { ref: false })]);
    },
  };
}
