// The CDK app (`npx cdk synth`, `npx cdk deploy`): the cloud shape of Postern, wired from the one
// topology. Environment-agnostic and offline: no account or region is fixed and nothing is looked up.
//
// Context (`-c key=value` or cdk.json): `postern:alarmEmail`, an address subscribed to the alarms.
import { App } from 'aws-cdk-lib';
import { functions, queues } from '../lambdas/topology.ts';
import { PosternStack } from '../lib/postern-stack.ts';

const app = new App();

const alarmEmail: unknown = app.node.tryGetContext('postern:alarmEmail');
if (alarmEmail !== undefined && (typeof alarmEmail !== 'string' || !alarmEmail.includes('@'))) {
  throw new Error(
    `The context value postern:alarmEmail must be an e-mail address, not ${JSON.stringify(alarmEmail)}.`,
  );
}

new PosternStack(app, 'Postern', {
  description: 'Postern: serverless mail delivery platform',
  topology: { queues, functions },
  monitoring: alarmEmail === undefined ? {} : { alarmEmail },
});
