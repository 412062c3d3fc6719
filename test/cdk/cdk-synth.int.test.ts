// The real CDK CLI synthesizes offline: no AWS credentials, no instance metadata, no lookups, and
// (from cdk.json) no notices, no telemetry and no unconfigured feature flags to warn about.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { repositoryRoot } from './cdk-app.ts';

const timeout = 120_000;
const outdirs: string[] = [];
after(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * The environment of a machine without AWS: no AWS_* variable, the instance metadata service off, no
 * inherited CDK_* setting (so telemetry must be off by cdk.json alone), and this test's node first.
 */
const offlineEnvironment = (): NodeJS.ProcessEnv => {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('CDK_')),
  );
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
    PATH: [path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
  };
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const cdk = (args: string[]): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', 'cdk', ...args], {
      cwd: repositoryRoot,
      env: offlineEnvironment(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

const synth = async (stackName: string, appArgs: string[] = []): Promise<string> => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'postern-synth-'));
  outdirs.push(outdir);
  const run = await cdk(['synth', '--quiet', '-o', outdir, ...appArgs]);
  assert.equal(run.code, 0, `cdk synth failed:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /NOTICES|feature flags are not configured|Newer version/);
  const templatePath = path.join(outdir, `${stackName}.template.json`);
  assert.ok(existsSync(templatePath), `${templatePath} exists`);
  return templatePath;
};

void test('cdk synth of a fixture app exits 0 offline and writes its template', { timeout }, async () => {
  const templatePath = await synth('PosternFixture', ['--app', 'node test/cdk/fixtures/app.ts']);
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources: Record<string, unknown> };
  // versionReporting is off: no AWS::CDK::Metadata resource.
  assert.ok(
    !Object.values(template.Resources).some((r) => (r as { Type: string }).Type === 'AWS::CDK::Metadata'),
  );
});

void test(
  'cdk synth of the real app (cdk.json) exits 0 offline and writes its template',
  { timeout },
  async () => {
    await synth('Postern');
  },
);

void test('cdk.json turns CLI telemetry off', { timeout }, async () => {
  const run = await cdk(['cli-telemetry', '--status']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout + run.stderr, /telemetry is disabled/i);
});
