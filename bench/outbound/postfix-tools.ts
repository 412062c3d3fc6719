import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

// Postfix's test tools (Debian's postfix package): smtp-source as the one SMTP client for both
// sides of each comparison, smtp-sink as the ceiling it is compared with.

export const SMTP_SOURCE = '/usr/sbin/smtp-source';
export const SMTP_SINK = '/usr/sbin/smtp-sink';

export function requireTools(): void {
  const missing = [SMTP_SOURCE, SMTP_SINK, 'wrk'].filter(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
  );
  if (missing.length > 0) {
    throw new Error(
      `missing ${missing.join(', ')}: apt-get install -y postfix wrk (and stop the postfix daemon: ` +
        'only smtp-source and smtp-sink are used)',
    );
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

export interface SmtpSink {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** smtp-sink on loopback, throwing every message away; up to `maxSessions` at once. */
export async function startSmtpSink(maxSessions = 1024): Promise<SmtpSink> {
  const port = await freePort();
  // smtp-sink refuses to run as root without -u.
  const user = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const child = spawn(SMTP_SINK, [...user, '-m', String(maxSessions), `127.0.0.1:${port}`, '1024'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  for (let tries = 0; tries < 50; tries++) {
    if (await canConnect(port)) {
      return {
        port,
        pid: child.pid ?? 0,
        async stop() {
          await stopChild(child);
        },
      };
    }
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`smtp-sink did not start: ${stderr}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const client = connect(port, '127.0.0.1');
    client.once('connect', () => {
      client.destroy();
      resolve(true);
    });
    client.once('error', () => resolve(false));
  });
}

export interface SourceRun {
  /** Messages whose DATA completed (250) in the measured window. */
  messages: number;
  /** Length of the measured window, in seconds. */
  seconds: number;
  rate: number;
  /** Everything smtp-source said on stderr: empty unless a reply was not the expected one. */
  errors: string;
}

export interface SourceOptions {
  port: number;
  /** Parallel sessions (-s). */
  sessions: number;
  /** Many messages per session (-d), or one message and a new connection each time. */
  reuse: boolean;
  /** Payload bytes (-l), headers not included. */
  bodyBytes: number;
  /** Counted from the end of warm-up to the end of the run. */
  warmupSeconds: number;
  seconds: number;
  from: string;
  to: string;
}

/**
 * Runs smtp-source for a fixed time with a message count it cannot reach, reading its running
 * counter (-c), and returns the rate over the window after warm-up. smtp-source stops at the
 * first reply that is not the expected one (no -A), so any 4xx/5xx ends the run and shows up in
 * `errors`.
 */
export async function runSmtpSource(options: SourceOptions): Promise<SourceRun> {
  const args = [
    '-c',
    ...(options.reuse ? ['-d'] : []),
    '-s',
    String(options.sessions),
    '-m',
    '100000000',
    '-l',
    String(options.bodyBytes),
    '-f',
    options.from,
    '-t',
    options.to,
    '-S',
    'Benchmark',
    '-M',
    'bench.local',
    `127.0.0.1:${options.port}`,
  ];
  const child = spawn(SMTP_SOURCE, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let count = 0;
  let tail = '';
  let errors = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = tail + chunk.toString('latin1');
    const cut = text.lastIndexOf('\r');
    if (cut === -1) {
      tail = text;
      return;
    }
    const last = text.slice(text.lastIndexOf('\r', cut - 1) + 1, cut);
    if (/^\d+$/.test(last)) count = Number(last);
    tail = text.slice(cut + 1);
  });
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([sleep(options.warmupSeconds * 1000), exited]);
  const startCount = count;
  const start = performance.now();
  await Promise.race([sleep(options.seconds * 1000), exited]);
  const endCount = count;
  const seconds = (performance.now() - start) / 1000;
  await stopChild(child);
  const messages = endCount - startCount;
  return { messages, seconds, rate: messages / seconds, errors: errors.trim() };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(3000, undefined, { ref: false })]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
}
