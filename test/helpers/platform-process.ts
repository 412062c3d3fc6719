import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

// `postern start` as a child process, for tests that kill it (SIGKILL) and start it again.

const cli = join(import.meta.dirname, '..', '..', 'bin', 'postern.ts');

export interface PlatformProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts the platform and resolves once its banner says it runs. */
export function startPlatformProcess(env: Record<string, string>): Promise<PlatformProcess> {
  const child = spawn(process.execPath, [cli, 'start'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
      ...env,
    },
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    // Generous: a first start makes RSA keys, and CI machines may be busy.
    const timer = setTimeout(() => reject(new Error(`no banner after 90 s:\n${text}`)), 90_000);
    const check = () => {
      if (!/is running/.test(text)) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      resolve({ child, output: () => text, exited });
    };
    child.stdout?.on('data', check);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited early with ${code}:\n${text}`));
    });
  });
}

/** The value printed after `label` in the first-start banner. */
export function bannerValue(output: string, label: string): string {
  const match = new RegExp(`${label}\\s+(\\S+)`).exec(output);
  if (!match?.[1]) throw new Error(`no ${label} in the banner`);
  return match[1];
}
