import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dropMysqlDatabase } from '../../core/db/database.ts';
import { queueDepths, total } from '../../test/helpers/queue-metrics.ts';
import type { Diagnostics } from './diagnostics-preload.ts';

// The platform under test, as `node bin/postern.ts start` in a process of its own (so its RSS
// and CPU are its own and no load generator shares its event loop), on free ports, with a fresh
// data directory and database. Its stdout (the JSON log and the first-start banner) goes to a
// file in the data directory; the banner gives the ports and the keys.

const ROOT = resolve(import.meta.dirname, '..', '..');
const ADMIN_EMAIL = 'admin@postern.bench';
const ADMIN_PASSWORD = `bench-${randomBytes(12).toString('hex')}`;
export const BENCH_HOSTNAME = 'postern.bench';
const SERVER_PATH = '/management/v1/organizations/sample/servers/development';
const CLOCK_TICKS_PER_SECOND = 100;

export interface PlatformOptions {
  /** A name for the data directory and the profile. */
  label: string;
  /** `mysql://root@127.0.0.1:3306` for a fresh MariaDB database; SQLite in the data directory otherwise. */
  mysqlServer?: string;
  /** Directory for `--cpu-prof`; no profile when absent. */
  profileDir?: string;
  /** Load bench/outbound/diagnostics-preload.ts: SQL, blob and event-loop figures per window. */
  diagnose?: boolean;
  /** Experiments of the preload (BENCH_EXPERIMENTS); the preload is loaded for them too. */
  experiments?: string[];
  env?: Record<string, string>;
}

export interface Platform {
  label: string;
  pid: number;
  dataDir: string;
  httpUrl: string;
  smtpPort: number;
  smtpsPort: number;
  apiKey: string;
  smtpKey: string;
  /** The management API with the administrator's session. */
  management(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** Server-scoped management path: `/management/v1/organizations/sample/servers/development` + path. */
  serverPath(path?: string): string;
  /** Resident set now and its peak (VmHWM) so far, in bytes. */
  memory(): { rss: number; peak: number };
  /** User plus system CPU time so far, in seconds. */
  cpuSeconds(): number;
  /** Queue depths from /metrics, by queue and state. */
  queueDepths(): ReturnType<typeof queueDepths>;
  /** With `diagnose`: the first call opens the window, the second closes it and returns its figures. */
  diagnosticsWindow(): Promise<Diagnostics | null>;
  /** SIGTERM, then wait for the exit (the CPU profile is written then). Returns the peak RSS. */
  stop(): Promise<{ peakRss: number }>;
}

/** The Node flags `npm start` gives the platform (package.json), so the bench runs it as users do. */
function startFlags(): string[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const words = manifest.scripts.start.split(/\s+/);
  const script = words.indexOf('bin/postern.ts');
  if (words[0] !== 'node' || script < 1)
    throw new Error(`unexpected start script: ${manifest.scripts.start}`);
  return words.slice(1, script);
}

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const dataDir = mkdtempSync(join(tmpdir(), `postern-bench-${options.label}-`));
  const logPath = join(dataDir, 'platform.log');
  const log = openSync(logPath, 'w');
  let database: { url: string; drop(): Promise<void> } | null = null;
  if (options.mysqlServer) database = freshMysqlDatabase(options.mysqlServer, options.label);
  const nodeArgs = [...startFlags()];
  if (options.profileDir) {
    mkdirSync(options.profileDir, { recursive: true });
    nodeArgs.push(
      '--cpu-prof',
      `--cpu-prof-dir=${options.profileDir}`,
      `--cpu-prof-name=${options.label}.cpuprofile`,
    );
  }
  const diagnosticsFile = join(dataDir, 'diagnostics.json');
  if (options.diagnose || options.experiments?.length)
    nodeArgs.push('--import', join(import.meta.dirname, 'diagnostics-preload.ts'));
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, join(ROOT, 'bin', 'postern.ts'), 'start'],
    {
      cwd: ROOT,
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        POSTERN_DATA_DIR: dataDir,
        ...(database ? { POSTERN_DATABASE_URL: database.url } : {}),
        POSTERN_HTTP_PORT: '0',
        POSTERN_SMTP_PORT: '0',
        POSTERN_SMTPS_PORT: '0',
        POSTERN_SMTP_HOST: '127.0.0.1',
        POSTERN_HOSTNAME: BENCH_HOSTNAME,
        POSTERN_ADMIN_EMAIL: ADMIN_EMAIL,
        POSTERN_ADMIN_PASSWORD: ADMIN_PASSWORD,
        BENCH_DIAGNOSTICS_FILE: diagnosticsFile,
        BENCH_EXPERIMENTS: (options.experiments ?? []).join(','),
        ...options.env,
      },
    },
  );
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let alive = true;
  void exited.then(() => (alive = false));

  const banner = await waitForBanner(logPath, () => alive);
  const pid = child.pid ?? 0;
  const httpUrl = `http://127.0.0.1:${banner.httpPort}`;
  const login = await fetch(`${httpUrl}/management/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  if (login.status !== 201) throw new Error(`${options.label}: login failed with ${login.status}`);
  const token = ((await login.json()) as { token: string }).token;

  let windowOpen = false;
  const platform: Platform = {
    label: options.label,
    pid,
    dataDir,
    httpUrl,
    smtpPort: banner.smtpPort,
    smtpsPort: banner.smtpsPort,
    apiKey: banner.apiKey,
    smtpKey: banner.smtpKey,
    async management(method, path, body) {
      const response = await fetch(`${httpUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    serverPath: (path = '') => `${SERVER_PATH}${path}`,
    memory: () => memoryOf(pid),
    cpuSeconds: () => cpuSecondsOf(pid),
    queueDepths: () => queueDepths(httpUrl),
    async diagnosticsWindow() {
      if (!options.diagnose || !alive) return null;
      child.kill('SIGUSR2');
      if (!windowOpen) {
        windowOpen = true;
        return null;
      }
      for (let tries = 0; tries < 100; tries++) {
        try {
          return JSON.parse(readFileSync(diagnosticsFile, 'utf8')) as Diagnostics;
        } catch {
          await sleep(50);
        }
      }
      return null;
    },
    async stop() {
      let peakRss = 0;
      if (alive) {
        peakRss = memoryOf(pid).peak;
        child.kill('SIGTERM');
        const code = await Promise.race([
          exited,
          sleep(45_000, undefined, { ref: false }).then(() => 'timeout' as const),
        ]);
        if (code === 'timeout') {
          child.kill('SIGKILL');
          await exited;
        }
      }
      await database?.drop();
      if (!process.env.BENCH_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
      return { peakRss };
    },
  };
  return platform;
}

interface Banner {
  httpPort: number;
  smtpPort: number;
  smtpsPort: number;
  apiKey: string;
  smtpKey: string;
}

async function waitForBanner(logPath: string, alive: () => boolean): Promise<Banner> {
  const deadline = performance.now() + 90_000;
  for (;;) {
    const text = readFileSync(logPath, 'utf8');
    // The banner is one console.log call; its last line names the SMTP password.
    if (text.includes('--auth-password')) {
      const http = /HTTP\s+http:\/\/[^:]+:(\d+)/.exec(text);
      const smtp = /SMTP\s+[^:\s]+:(\d+) \(STARTTLS\)\s+[^:\s]+:(\d+) \(implicit TLS\)/.exec(text);
      const apiKey = /API key\s+(\S+)/.exec(text);
      const smtpKey = /SMTP login\s+user \S+\s+password (\S+)/.exec(text);
      if (!http || !smtp || !apiKey || !smtpKey) throw new Error(`unreadable banner in ${logPath}`);
      return {
        httpPort: Number(http[1]),
        smtpPort: Number(smtp[1]),
        smtpsPort: Number(smtp[2]),
        apiKey: apiKey[1] ?? '',
        smtpKey: smtpKey[1] ?? '',
      };
    }
    if (!alive()) throw new Error(`the platform exited before it was ready:\n${text.slice(-3000)}`);
    if (performance.now() > deadline) throw new Error(`the platform was not ready in 90 s; see ${logPath}`);
    await sleep(100);
  }
}

function freshMysqlDatabase(server: string, label: string): { url: string; drop(): Promise<void> } {
  const name = `postern_bench_${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
  // `postern start` creates the database when it is missing.
  const url = `${server.replace(/\/$/, '')}/${name}`;
  return { url, drop: () => dropMysqlDatabase(url) };
}

/** VmRSS and VmHWM of a process, in bytes (0 once it is gone). */
export function memoryOf(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') * 1024, peak: kb('VmHWM') * 1024 };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

/**
 * utime + stime of a process from /proc/<pid>/stat, in seconds; with `thread`, of that thread
 * alone (a Node process's main thread has the process's own id).
 */
export function cpuSecondsOf(pid: number, thread?: number): number {
  try {
    const path = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
    const stat = readFileSync(path, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Waits until every queue is empty (or the timeout passes); returns the seconds it took. */
export async function waitForQueuesEmpty(platform: Platform, timeoutMs: number): Promise<number | null> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    const depths = await platform.queueDepths();
    const waiting = Object.entries(depths)
      .filter(([queue]) => !queue.endsWith('-dlq'))
      .reduce((sum, [, states]) => sum + total(states), 0);
    if (waiting === 0) return (performance.now() - start) / 1000;
    await sleep(250);
  }
  return null;
}
