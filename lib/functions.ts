import { existsSync } from 'node:fs';
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { queueUrlVariable, type FunctionSpec } from '../lambdas/topology.ts';
import type { TopologyQueue } from './queues.ts';

/** The repository root: module paths in the topology are relative to it. */
export const repositoryRoot = path.resolve(import.meta.dirname, '..');

/**
 * Makes a bundled ES module able to `require` Node built-ins, which CommonJS dependencies do; esbuild's
 * ESM output has no `require` of its own. The import is aliased so it cannot clash with bundled names.
 */
const requireShim =
  "import { createRequire as __posternCreateRequire } from 'node:module'; " +
  'const require = __posternCreateRequire(import.meta.url);';

export interface FunctionsProps {
  /** The functions of the topology, each with its handler module, memory, timeout and triggers. */
  functions: readonly FunctionSpec[];
  /** Every queue of the topology by name: each function may send to all, and queue triggers read one. */
  queues: ReadonlyMap<string, TopologyQueue>;
  /** The folder the module paths are relative to, holding package-lock.json. Default: the repository root. */
  projectRoot?: string;
}

/**
 * One Lambda function per function of the topology, bundled locally by esbuild (never in Docker).
 *
 * Defaults:
 * - Node.js 24 (`nodejs24.x`) on arm64, with the memory and timeout the topology gives; the handler is
 *   the module's `handler` export.
 * - The bundle is one minified ES module for Node 24 with a source map (without the sources) and
 *   `NODE_OPTIONS=--enable-source-maps`, so stack traces name our files; packages are read through
 *   their `module` entry point first. Only `@aws-sdk/*` stays outside the bundle: the runtime has it.
 *   esbuild reports warnings and errors only.
 * - Each function logs to its own log group, whose events are kept for one month; the group outlives
 *   the stack (CloudFormation's default), so logs of a deleted stack can still be read until they expire.
 * - The environment holds `POSTERN_SHAPE=aws`, `POSTERN_ALLOW_PRIVATE_TARGETS=false` (webhook and
 *   endpoint URLs may not name the VPC, the instance metadata service or other internal
 *   addresses: the local default allows them, for test receivers on localhost) and the URL of
 *   every queue of the topology (see `queueUrlVariable`), and each function may send to every queue.
 * - A queue trigger reads its queue with the topology's batch size and reports failed records one by
 *   one (`ReportBatchItemFailures`), so one bad message does not send its batch back; reading also
 *   grants changing a message's visibility, which is how retries are scheduled.
 *
 * Checks: a handler module that does not exist, a queue trigger naming an undeclared queue, or a queue
 * whose visibility timeout is shorter than its consumer's timeout fails synthesis with a sentence that
 * names the function.
 */
export class Functions extends Construct {
  /** The functions by their topology name. */
  readonly byName: ReadonlyMap<string, NodejsFunction>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const projectRoot = props.projectRoot ?? repositoryRoot;
    const queueUrls = Object.fromEntries(
      [...props.queues.values()].map(({ spec, queue }) => [queueUrlVariable(spec.name), queue.queueUrl]),
    );
    const byName = new Map<string, NodejsFunction>();
    for (const spec of props.functions) {
      if (byName.has(spec.name)) {
        throw new Error(
          `The topology declares the function "${spec.name}" twice; function names must be unique.`,
        );
      }
      const entry = path.join(projectRoot, spec.module);
      if (!existsSync(entry)) {
        throw new Error(
          `Function "${spec.name}": its handler module ${spec.module} does not exist (${entry}).`,
        );
      }
      const logGroup = new LogGroup(this, `${id}-${spec.name}-Logs`, { retention: RetentionDays.ONE_MONTH });
      const fn = new NodejsFunction(this, `${id}-${spec.name}`, {
        entry,
        handler: 'handler',
        projectRoot,
        depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
        runtime: Runtime.NODEJS_24_X,
        architecture: Architecture.ARM_64,
        memorySize: spec.memoryMb,
        timeout: Duration.seconds(spec.timeoutSeconds),
        logGroup,
        environment: {
          POSTERN_SHAPE: 'aws',
          POSTERN_ALLOW_PRIVATE_TARGETS: 'false',
          NODE_OPTIONS: '--enable-source-maps',
          ...queueUrls,
        },
        bundling: {
          format: OutputFormat.ESM,
          target: 'node24',
          minify: true,
          sourceMap: true,
          sourcesContent: false,
          mainFields: ['module', 'main'],
          externalModules: ['@aws-sdk/*'],
          banner: requireShim,
          logLevel: LogLevel.WARNING,
        },
      });
      for (const { queue } of props.queues.values()) {
        queue.grantSendMessages(fn);
      }
      for (const trigger of spec.triggers) {
        if (trigger.kind !== 'queue') continue;
        const source = props.queues.get(trigger.queue);
        if (source === undefined) {
          throw new Error(
            `Function "${spec.name}" is triggered by the queue "${trigger.queue}", which the topology does not declare.`,
          );
        }
        if (source.spec.visibilityTimeoutSeconds < spec.timeoutSeconds) {
          throw new Error(
            `Queue "${trigger.queue}" has a visibility timeout of ${source.spec.visibilityTimeoutSeconds} s, ` +
              `shorter than the ${spec.timeoutSeconds} s timeout of its consumer "${spec.name}".`,
          );
        }
        fn.addEventSource(
          new SqsEventSource(source.queue, { batchSize: trigger.batchSize, reportBatchItemFailures: true }),
        );
      }
      byName.set(spec.name, fn);
    }
    this.byName = byName;
  }
}
