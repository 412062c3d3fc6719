// PosternStack against a fixture topology: one function per trigger kind, a queue it consumes and
// one it only sends to. Bundles the fixture handlers with the local esbuild (never Docker).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { Template } from 'aws-cdk-lib/assertions';
import { deadLetterQueueName } from '../../lambdas/topology.ts';
import type { PosternStack, Topology } from '../../lib/postern-stack.ts';
import { buildStack } from './cdk-app.ts';
import * as fixture from './fixtures/topology.ts';
import { assertTopologyInTemplate, logicalIdOf } from './topology-assertions.ts';

const topology: Topology = { queues: fixture.queues, functions: fixture.functions };

void describe('PosternStack with the fixture topology', () => {
  let stack: PosternStack;
  let template: Template;

  before(() => {
    stack = buildStack(topology, { monitoring: { alarmEmail: 'ops@example.com' } });
    template = assertTopologyInTemplate(stack, topology);
  });

  void test('every function is a Node.js 24 Lambda on arm64 with its memory and timeout', () => {
    template.resourceCountIs('AWS::Lambda::Function', 3);
    for (const [memory, timeout] of [
      [512, 29],
      [1024, 30],
      [256, 300],
    ]) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: memory,
        Timeout: timeout,
        Environment: {
          Variables: {
            POSTERN_SHAPE: 'aws',
            POSTERN_ALLOW_PRIVATE_TARGETS: 'false',
            NODE_OPTIONS: '--enable-source-maps',
            POSTERN_QUEUE_URL_INGEST: { Ref: logicalIdOf(stack.queues.byName.get('ingest')!.queue) },
            POSTERN_QUEUE_URL_DELIVER_MAIN: {
              Ref: logicalIdOf(stack.queues.byName.get('deliver-main')!.queue),
            },
          },
        },
      });
    }
  });

  void test('every function logs to its own log group kept for 30 days', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 3);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    for (const fn of stack.functions.byName.values()) {
      const id = logicalIdOf(fn);
      const logGroup = template.toJSON().Resources[id].Properties.LoggingConfig.LogGroup as { Ref: string };
      assert.equal(template.toJSON().Resources[logGroup.Ref].Type, 'AWS::Logs::LogGroup');
    }
  });

  void test('each function is bundled locally as one minified ES module with the require shim', () => {
    const assembly = stack.node.root as unknown as { outdir: string };
    for (const fn of stack.functions.byName.values()) {
      const code = template.toJSON().Resources[logicalIdOf(fn)].Properties.Code as { S3Key: string };
      const assetDir = path.join(assembly.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
      const bundle = readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');
      const [banner, body, sourceMapLine] = bundle.split('\n');
      assert.match(
        banner!,
        /^import \{ createRequire as (\w+) \} from 'node:module'; const require = \1\(import\.meta\.url\);$/,
      );
      assert.match(body!, /^var \w+=async\(\)=>\(\{\}\);export\{\w+ as handler\};$/, 'minified ES module');
      assert.equal(sourceMapLine, '//# sourceMappingURL=index.mjs.map');
      assert.ok(existsSync(path.join(assetDir, 'index.mjs.map')), 'a source map is shipped');
      assert.ok(!existsSync(path.join(assetDir, 'node_modules')), 'nothing is installed beside the bundle');
    }
  });

  void test('each queue has a dead-letter queue kept 14 days, with the topology threshold', () => {
    template.resourceCountIs('AWS::SQS::Queue', 4);
    for (const spec of fixture.queues) {
      const { queue, deadLetterQueue } = stack.queues.byName.get(spec.name)!;
      assert.equal(deadLetterQueue.node.id, `Queues-${deadLetterQueueName(spec.name)}`);
      assert.equal(queue.node.id, `Queues-${spec.name}`);
      template.hasResourceProperties('AWS::SQS::Queue', {
        VisibilityTimeout: spec.visibilityTimeoutSeconds,
        MessageRetentionPeriod: 4 * 24 * 3600,
        SqsManagedSseEnabled: true,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(deadLetterQueue), 'Arn'] },
          maxReceiveCount: spec.maxReceives,
        },
      });
    }
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
      RedrivePolicy: Match.absent(),
    });
  });

  void test('queues are retained on deletion and replacement, and refuse requests without TLS', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    for (const [id, queue] of Object.entries(queues)) {
      assert.equal(queue.DeletionPolicy, 'Retain', id);
      assert.equal(queue.UpdateReplacePolicy, 'Retain', id);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  void test('the queue trigger is an event source mapping reporting batch item failures', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(stack.functions.byName.get('ingest')!) },
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(stack.queues.byName.get('ingest')!.queue), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  void test('each HTTP route is a route of one HTTP API with a payload 2.0 Lambda integration', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: '$default', AutoDeploy: true });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 3);
    for (const key of ['ANY /management/v1/{proxy+}', 'POST /api/v1/send/message', 'GET /health']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: key });
    }
    // One integration per function, shared by its routes.
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 2);
    template.allResourcesProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    template.hasOutput('ApiUrl', {});
  });

  void test('each schedule is an EventBridge rule at its rate, targeting its function', () => {
    const janitor = { 'Fn::GetAtt': [logicalIdOf(stack.functions.byName.get('janitor')!), 'Arn'] };
    template.resourceCountIs('AWS::Events::Rule', 2);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: janitor,
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      Targets: [Match.objectLike({ Arn: janitor, RetryPolicy: { MaximumEventAgeInSeconds: 3600 } })],
    });
  });

  void test('an alarm per dead-letter queue and per function notifies one SNS topic', () => {
    const topic = { Ref: logicalIdOf(stack.monitoring!.topic) };
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: topic,
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', fixture.queues.length + fixture.functions.length);
    for (const { deadLetterQueue } of stack.queues.byName.values()) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(deadLetterQueue), 'QueueName'] } },
        ],
        Statistic: 'Maximum',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        TreatMissingData: 'notBreaching',
        AlarmActions: [topic],
      });
    }
    for (const fn of stack.functions.byName.values()) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(fn) } }],
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        AlarmActions: [topic],
        OKActions: [topic],
      });
    }
    template.hasOutput('AlarmTopicArn', { Value: topic });
  });

  void test('child construct ids derive from their parent id', () => {
    assert.equal(stack.functions.byName.get('api')!.node.id, 'Functions-api');
    assert.equal(stack.scheduling.rules.get('every-minute')!.node.id, 'Scheduling-every-minute');
    assert.equal(stack.monitoring!.topic.node.id, 'Monitoring-Alarms');
  });

  void test('the stack is environment-agnostic', () => {
    assert.ok(Stack.of(stack).resolve(stack.account).Ref === 'AWS::AccountId');
    assert.ok(Stack.of(stack).resolve(stack.region).Ref === 'AWS::Region');
  });
});

void describe('PosternStack options and checks', () => {
  const queueOnly: Topology = {
    queues: fixture.queues,
    functions: fixture.functions.filter((fn) => fn.name === 'ingest'),
  };

  void test('{ noMonitoring: true } builds no topic and no alarm', () => {
    const stack = buildStack(queueOnly, { monitoring: { noMonitoring: true }, skipBundling: true });
    const template = assertTopologyInTemplate(stack, queueOnly);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    assert.equal(stack.monitoring, undefined);
  });

  void test('monitoring without alarmEmail builds the topic without a subscription', () => {
    const template = assertTopologyInTemplate(
      buildStack(queueOnly, { monitoring: {}, skipBundling: true }),
      queueOnly,
    );
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
  });

  void test('a topology without HTTP routes builds no HTTP API', () => {
    const template = assertTopologyInTemplate(buildStack(queueOnly, { skipBundling: true }), queueOnly);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
  });

  const [api, ingest] = fixture.functions;
  const withFunctions = (...functions: Topology['functions']): Topology => ({
    queues: fixture.queues,
    functions,
  });

  void test('a queue trigger naming an undeclared queue fails with the function named', () => {
    const broken = { ...ingest!, triggers: [{ kind: 'queue' as const, queue: 'nowhere', batchSize: 1 }] };
    assert.throws(
      () => buildStack(withFunctions(broken), { skipBundling: true }),
      /Function "ingest" is triggered by the queue "nowhere", which the topology does not declare\./,
    );
  });

  void test('a queue whose visibility timeout is shorter than its consumer timeout fails', () => {
    const slow = { ...ingest!, timeoutSeconds: 900 };
    assert.throws(
      () => buildStack(withFunctions(slow), { skipBundling: true }),
      /Queue "ingest" has a visibility timeout of 180 s, shorter than the 900 s timeout of its consumer "ingest"\./,
    );
  });

  void test('a handler module that does not exist fails with the function named', () => {
    const missing = { ...api!, module: 'test/cdk/fixtures/handlers/missing.ts' };
    assert.throws(
      () => buildStack(withFunctions(missing), { skipBundling: true }),
      /Function "api": its handler module test\/cdk\/fixtures\/handlers\/missing\.ts does not exist/,
    );
  });

  void test('two functions declaring the same route fail with both named', () => {
    const twin = { ...api!, name: 'api-twin' };
    assert.throws(
      () => buildStack(withFunctions(api!, twin), { skipBundling: true }),
      /The route "ANY \/management\/v1\/\{proxy\+\}" is declared by both "api" and "api-twin"\./,
    );
  });

  void test('duplicate names fail', () => {
    assert.throws(
      () => buildStack(withFunctions(api!, api!), { skipBundling: true }),
      /declares the function "api" twice/,
    );
    assert.throws(
      () =>
        buildStack(
          { queues: [...fixture.queues, fixture.queues[0]!], functions: [] },
          { skipBundling: true },
        ),
      /declares the queue "ingest" twice/,
    );
  });
});
