// Builds CDK apps for the tests the way the CLI does: with the context of cdk.json (feature flags),
// which `new App()` alone does not read, so tests synthesize what `cdk synth` synthesizes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import type { Topology } from '../../lib/postern-stack.ts';
import { PosternStack } from '../../lib/postern-stack.ts';
import type { MonitoringConfiguration } from '../../lib/monitoring.ts';

export const repositoryRoot = path.resolve(import.meta.dirname, '../..');

interface CdkJson {
  context: Record<string, unknown>;
}

export const cdkJsonContext = (): Record<string, unknown> =>
  (JSON.parse(readFileSync(path.join(repositoryRoot, 'cdk.json'), 'utf8')) as CdkJson).context;

export interface TestStackOptions {
  monitoring?: MonitoringConfiguration;
  /** Skip esbuild, for tests about wiring only (assets then hold the unbundled sources' hash). */
  skipBundling?: boolean;
}

export const buildStack = (topology: Topology, options: TestStackOptions = {}): PosternStack => {
  const context = { ...cdkJsonContext(), ...(options.skipBundling ? { 'aws:cdk:bundling-stacks': [] } : {}) };
  const app = new App({ context });
  return new PosternStack(app, 'PosternTest', {
    topology,
    monitoring: options.monitoring ?? { alarmEmail: 'ops@example.com' },
  });
};
