// The real topology in the synthesized template: every queue, function and trigger of
// lambdas/topology.ts appears, wired to the right resources. (The local runtime's side of the same
// topology is tested elsewhere.) Bundles the real handler modules, so they must exist.
import { test } from 'node:test';
import { functions, queues } from '../../lambdas/topology.ts';
import { buildStack } from './cdk-app.ts';
import { assertTopologyInTemplate } from './topology-assertions.ts';

void test('every queue, function and trigger of the real topology is in the synthesized template', () => {
  const topology = { queues, functions };
  const template = assertTopologyInTemplate(buildStack(topology, { monitoring: {} }), topology);
  template.resourceCountIs('AWS::CloudWatch::Alarm', queues.length + functions.length);
});
