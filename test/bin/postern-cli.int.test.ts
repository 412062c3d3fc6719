import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startPlatformProcess } from '../helpers/platform-process.ts';

const cli = join(import.meta.dirname, '..', '..', 'bin', 'postern.ts');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function environment(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    POSTERN_DATA_DIR: dataDir,
    POSTERN_HTTP_PORT: '0',
    POSTERN_SMTP_PORT: '0',
    POSTERN_SMTPS_PORT: '0',
    POSTERN_SMTP_HOST: '127.0.0.1',
    POSTERN_LOG_LEVEL: 'warn',
    ...extra,
  };
}

function run(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const noStackTrace = (text: string) => assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m);

describe('the postern command', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'postern-cli-'));
    dirs.push(dir);
    return dir;
  };
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('prints help for itself and for each command', async () => {
    const env = environment(tempDir());
    const main = await run(['--help'], env);
    assert.equal(main.code, 0);
    for (const command of ['start', 'migrate', 'make-user', 'version']) {
      assert.match(main.stdout, new RegExp(`^  ${command} `, 'm'));
      const help = await run([command, '--help'], env);
      assert.equal(help.code, 0, command);
      assert.match(help.stdout, new RegExp(`Usage: postern ${command}`));
    }
    const unknown = await run(['frobnicate'], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
  });

  it('prints its version', async () => {
    const result = await run(['version'], environment(tempDir()));
    assert.equal(result.code, 0);
    assert.match(result.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  it('starts, refuses a second process on the same data directory, and stops cleanly on SIGTERM', async () => {
    const env = environment(tempDir());
    const platform = await startPlatformProcess(env);
    assert.match(platform.output(), /First start: created an administrator/);
    assert.match(platform.output(), /curl -s http:\/\/127\.0\.0\.1:\d+\/api\/v1\/send\/message/);
    assert.match(platform.output(), /swaks --server 127\.0\.0\.1:\d+/);

    const second = await run(['start'], env);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /another Postern process is using the data directory/);
    noStackTrace(second.stderr);

    platform.child.kill('SIGTERM');
    const stopped = await platform.exited;
    assert.equal(stopped.code, 0);

    const again = await startPlatformProcess(env);
    assert.doesNotMatch(again.output(), /First start/);
    again.child.kill('SIGTERM');
    assert.equal((await again.exited).code, 0);
  });

  it('starts again after the previous process was killed with SIGKILL', async () => {
    const env = environment(tempDir());
    const platform = await startPlatformProcess(env);
    platform.child.kill('SIGKILL');
    await platform.exited;
    const again = await startPlatformProcess(env);
    again.child.kill('SIGTERM');
    assert.equal((await again.exited).code, 0);
  });

  it('fails clearly when the database cannot be reached', async () => {
    const result = await run(
      ['start'],
      environment(tempDir(), { POSTERN_DATABASE_URL: 'mysql://root@127.0.0.1:1/postern' }),
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^postern: cannot open the database mysql:\/\/…@127\.0\.0\.1:1\/postern/m);
    noStackTrace(result.stderr);
  });

  it('rejects invalid configuration clearly', async () => {
    const result = await run(['start'], environment(tempDir(), { POSTERN_HTTP_PORT: 'eighty' }));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /POSTERN_HTTP_PORT/);
    noStackTrace(result.stderr);
  });

  it('migrates and makes users', async () => {
    const env = environment(tempDir(), { POSTERN_NEW_USER_PASSWORD: 'a long enough password' });
    const migrated = await run(['migrate'], env);
    assert.equal(migrated.code, 0);
    assert.match(migrated.stdout, /Applied \d+ migration steps/);
    assert.match((await run(['migrate'], env)).stdout, /up to date/);
    const made = await run(['make-user', '--email', 'Ada@Example.com', '--name', 'Ada', '--admin'], env);
    assert.equal(made.code, 0);
    assert.match(made.stdout, /Created administrator ada@example\.com/);
    const duplicate = await run(['make-user', '--email', 'ada@example.com', '--name', 'Ada'], env);
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /a user with this email address exists/);
    const invalid = await run(['make-user', '--email', 'not-an-address', '--name', 'X'], env);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /email/);
    noStackTrace(invalid.stderr);
  });
});
