import { connect } from 'node:net';
import { formatMs, formatRate, percentile } from './stats.ts';

// Where a one-message SMTP session's time goes, seen from the client: how long each reply took
// to come, for sessions run many at once as smtp-source runs them. smtp-source reports only a
// rate; with 200 sessions at once, that rate is 200 divided by how long a session lasts, so the
// steps below say what the rate is made of (the greeting includes smtp-server's 100 ms pause).

const STEPS = ['greeting', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'message', 'QUIT'] as const;

export interface SessionTimelineOptions {
  port: number;
  sessions: number;
  total: number;
  from: string;
  to: string;
  bodyBytes: number;
}

export interface SessionTimeline {
  rate: number;
  /** Per step (and `session` for the whole), p50 and p95 in ms. */
  steps: { step: string; p50: number; p95: number }[];
  refused: number;
}

export async function runSessionTimeline(options: SessionTimelineOptions): Promise<SessionTimeline> {
  const line = `${'x'.repeat(76)}\r\n`;
  const message =
    `From: <${options.from}>\r\nTo: <${options.to}>\r\nSubject: timeline\r\n\r\n` +
    line.repeat(Math.ceil(options.bodyBytes / line.length)) +
    '.\r\n';
  const commands = [
    'EHLO timeline.bench\r\n',
    `MAIL FROM:<${options.from}>\r\n`,
    `RCPT TO:<${options.to}>\r\n`,
    'DATA\r\n',
    message,
    'QUIT\r\n',
  ];
  const times: number[][] = [...STEPS, 'session'].map(() => []);
  let refused = 0;
  let started = 0;
  const session = () =>
    new Promise<void>((resolve, reject) => {
      const begun = performance.now();
      let last = begun;
      let step = 0;
      let pending = '';
      const socket = connect(options.port, '127.0.0.1');
      socket.setNoDelay(true);
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        pending += chunk;
        // A reply is complete at a line whose code is followed by a space.
        const complete = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n$/.exec(pending);
        if (!complete) return;
        pending = '';
        const now = performance.now();
        times[step]?.push(now - last);
        last = now;
        if (!/^[23]/.test(complete[1] ?? '')) refused += 1;
        const command = commands[step];
        step += 1;
        if (command) socket.write(command);
        else socket.end();
      });
      socket.on('close', () => {
        times[STEPS.length]?.push(performance.now() - begun);
        resolve();
      });
      socket.on('error', reject);
    });
  const begun = performance.now();
  await Promise.all(
    Array.from({ length: options.sessions }, async () => {
      while (started < options.total) {
        started += 1;
        await session();
      }
    }),
  );
  const seconds = (performance.now() - begun) / 1000;
  return {
    rate: options.total / seconds,
    steps: [...STEPS, 'session'].map((step, index) => {
      const sorted = (times[index] ?? []).sort((a, b) => a - b);
      return { step, p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
    }),
    refused,
  };
}

export function summarizeTimeline(
  label: string,
  options: SessionTimelineOptions,
  timeline: SessionTimeline,
): string {
  return [
    `  ${label}: ${options.total.toLocaleString('en-US')} one-message sessions, ${options.sessions} at once, ` +
      `from a client of this process (not smtp-source): ${formatRate(timeline.rate)}` +
      (timeline.refused ? `, ${timeline.refused} replies refused` : ''),
    '    time to each reply from the command before it (p50, p95):',
    ...timeline.steps.map(
      ({ step, p50, p95 }) =>
        `      ${step.padEnd(9)} ${formatMs(p50).padStart(9)} ${formatMs(p95).padStart(9)}`,
    ),
  ].join('\n');
}
