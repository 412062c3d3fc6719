// Asserts that every queue, function and trigger of a topology is in a synthesized template, wired
// to the right resources (found by logical id, so two functions with equal settings cannot be
// confused). Used with the fixture topology and with the real one.
import assert from 'node:assert/strict';
import { Duration, Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Schedule } from 'aws-cdk-lib/aws-events';
import type { IConstruct } from 'constructs';
import { queueUrlVariable } from '../../lambdas/topology.ts';
import type { PosternStack, Topology } from '../../lib/postern-stack.ts';

/** The logical id of a construct's CloudFormation resource. */
export const logicalIdOf = (construct: IConstruct): string => {
  const resource = construct.node.defaultChild;
  assert.ok(resource !== undefined, `${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(resource as CfnElement);
};

const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

/** Every (action, resource) pair the policies attached to a role allow, resources as JSON. */
export const allowedPairs = (template: Template, roleLogicalId: string): Set<string> => {
  const pairs = new Set<string>();
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleLogicalId }]) },
  }) as Record<string, Resource>;
  for (const policy of Object.values(policies)) {
    const document = policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] };
    for (const statement of document.Statement) {
      if (statement.Effect !== 'Allow') continue;
      const actions = [statement.Action].flat() as string[];
      const resources = [statement.Resource].flat();
      for (const action of actions) {
        for (const resource of resources) pairs.add(`${action} ${JSON.stringify(resource)}`);
      }
    }
  }
  return pairs;
};

export const assertTopologyInTemplate = (stack: PosternStack, topology: Topology): Template => {
  const template = Template.fromStack(stack);

  template.resourceCountIs('AWS::SQS::Queue', topology.queues.length * 2);
  for (const spec of topology.queues) {
    const wired = stack.queues.byName.get(spec.name);
    assert.ok(wired, `queue ${spec.name} was not built`);
    const dlqId = logicalIdOf(wired.deadLetterQueue);
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: spec.visibilityTimeoutSeconds,
      RedrivePolicy: { deadLetterTargetArn: arnOf(dlqId), maxReceiveCount: spec.maxReceives },
      SqsManagedSseEnabled: true,
    });
    assert.equal(template.toJSON().Resources[logicalIdOf(wired.queue)]?.Type, 'AWS::SQS::Queue');
  }

  template.resourceCountIs('AWS::Lambda::Function', topology.functions.length);
  const routeCount = topology.functions
    .flatMap((fn) => fn.triggers)
    .reduce((sum, trigger) => sum + (trigger.kind === 'http' ? trigger.routes.length : 0), 0);
  template.resourceCountIs('AWS::ApiGatewayV2::Route', routeCount);

  const resources = template.toJSON().Resources as Record<string, Resource>;
  for (const spec of topology.functions) {
    const fn = stack.functions.byName.get(spec.name);
    assert.ok(fn, `function ${spec.name} was not built`);
    const fnId = logicalIdOf(fn);
    const properties = resources[fnId]?.Properties;
    assert.ok(properties, `function ${spec.name} (${fnId}) is not in the template`);
    assert.equal(properties.Runtime, 'nodejs24.x', spec.name);
    assert.deepEqual(properties.Architectures, ['arm64'], spec.name);
    assert.equal(properties.MemorySize, spec.memoryMb, spec.name);
    assert.equal(properties.Timeout, spec.timeoutSeconds, spec.name);
    assert.equal(properties.Handler, 'index.handler', spec.name);
    const variables = (properties.Environment as { Variables: Record<string, unknown> }).Variables;
    assert.equal(variables.POSTERN_SHAPE, 'aws', spec.name);
    assert.equal(
      variables.POSTERN_ALLOW_PRIVATE_TARGETS,
      'false',
      `${spec.name} may not reach internal addresses`,
    );

    const roleId = logicalIdOf(fn.role!);
    const allowed = allowedPairs(template, roleId);
    for (const queueSpec of topology.queues) {
      const queueId = logicalIdOf(stack.queues.byName.get(queueSpec.name)!.queue);
      assert.deepEqual(variables[queueUrlVariable(queueSpec.name)], { Ref: queueId }, spec.name);
      assert.ok(
        allowed.has(`sqs:SendMessage ${JSON.stringify(arnOf(queueId))}`),
        `${spec.name} may send to ${queueSpec.name}`,
      );
    }

    for (const trigger of spec.triggers) {
      switch (trigger.kind) {
        case 'http':
          for (const route of trigger.routes) {
            const key = `${route.method} ${route.path}`;
            const routes = template.findResources('AWS::ApiGatewayV2::Route', {
              Properties: { RouteKey: key },
            }) as Record<string, Resource>;
            const [found, ...others] = Object.values(routes);
            assert.ok(found !== undefined && others.length === 0, `exactly one route ${key}`);
            const target = found.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
            const integrationId = target['Fn::Join'][1][1].Ref;
            assert.deepEqual(
              resources[integrationId]?.Properties,
              {
                ApiId: found.Properties.ApiId,
                IntegrationType: 'AWS_PROXY',
                IntegrationUri: arnOf(fnId),
                PayloadFormatVersion: '2.0',
              },
              `route ${key} invokes ${spec.name}`,
            );
          }
          break;
        case 'queue': {
          const queueId = logicalIdOf(stack.queues.byName.get(trigger.queue)!.queue);
          template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
            FunctionName: { Ref: fnId },
            EventSourceArn: arnOf(queueId),
            BatchSize: trigger.batchSize,
            FunctionResponseTypes: ['ReportBatchItemFailures'],
          });
          for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']) {
            assert.ok(
              allowed.has(`${action} ${JSON.stringify(arnOf(queueId))}`),
              `${spec.name} may ${action} on ${trigger.queue}`,
            );
          }
          break;
        }
        case 'schedule': {
          const rule = stack.scheduling.rules.get(trigger.name);
          assert.ok(rule, `schedule ${trigger.name} was not built`);
          const ruleId = logicalIdOf(rule);
          const ruleProperties = resources[ruleId]?.Properties;
          assert.equal(
            ruleProperties?.ScheduleExpression,
            Schedule.rate(Duration.minutes(trigger.everyMinutes)).expressionString,
          );
          const targets = ruleProperties.Targets as { Arn: unknown }[];
          assert.deepEqual(
            targets.map((target) => target.Arn),
            [arnOf(fnId)],
            `schedule ${trigger.name} invokes ${spec.name}`,
          );
          template.hasResourceProperties('AWS::Lambda::Permission', {
            Action: 'lambda:InvokeFunction',
            FunctionName: arnOf(fnId),
            Principal: 'events.amazonaws.com',
            SourceArn: arnOf(ruleId),
          });
          break;
        }
        default: {
          const unknown: never = trigger;
          assert.fail(`unknown trigger ${JSON.stringify(unknown)}`);
        }
      }
    }
  }
  return template;
};
