import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { FunctionSpec, QueueSpec, Trigger } from '../lambdas/topology.ts';
import { Api, hasHttpRoutes } from './api.ts';
import { Functions } from './functions.ts';
import type { MonitoringConfiguration } from './monitoring.ts';
import { isNoMonitoring, Monitoring } from './monitoring.ts';
import { Queues } from './queues.ts';
import { Scheduling } from './scheduling.ts';

/** The shape of `lambdas/topology.ts`: the app passes the real one, tests a fixture. */
export interface Topology {
  queues: readonly QueueSpec[];
  functions: readonly FunctionSpec[];
}

export interface PosternStackProps extends StackProps {
  /** Every queue and function, with the triggers that wire them. */
  topology: Topology;
  /** Alarms (required): `{ alarmEmail? }`, or `{ noMonitoring: true }` to go without, said out loud. */
  monitoring: MonitoringConfiguration;
  /** The folder the topology's module paths are relative to. Default: the repository root. */
  projectRoot?: string;
}

/**
 * Which construct wires each trigger kind. A new kind in `lambdas/topology.ts` fails type checking
 * here until some construct wires it; new functions, queues, routes and schedules need no change.
 */
export const triggerWiring = {
  http: 'Api',
  queue: 'Functions',
  schedule: 'Scheduling',
} as const satisfies Record<Trigger['kind'], string>;

/**
 * The cloud shape of Postern, wired from the topology (ARCHITECTURE.md, principle 5): queues with
 * their dead-letter queues, one Lambda per function with its queue triggers, one HTTP API for every
 * HTTP route, one EventBridge rule per schedule, and alarms.
 *
 * Defaults:
 * - Environment-agnostic: no account or region is fixed and nothing is looked up at synth time;
 *   `cdk deploy` targets the account and region of the credentials in use.
 * - The HTTP API is created only when some function has an HTTP route.
 * - Outputs: `ApiUrl` (when there is an API) and `AlarmTopicArn` (when monitoring is on).
 * - Child construct ids are `Queues`, `Functions`, `Api`, `Scheduling` and `Monitoring`; the
 *   queues' ids are stateful (see `Queues`) and must never change.
 */
export class PosternStack extends Stack {
  readonly queues: Queues;
  readonly functions: Functions;
  readonly api: Api | undefined;
  readonly scheduling: Scheduling;
  readonly monitoring: Monitoring | undefined;

  constructor(scope: Construct, id: string, props: PosternStackProps) {
    super(scope, id, props);
    const { topology } = props;
    // STATEFUL: never change this id; it prefixes the logical ids of every queue.
    this.queues = new Queues(this, 'Queues', { queues: topology.queues });
    this.functions = new Functions(this, 'Functions', {
      functions: topology.functions,
      queues: this.queues.byName,
      projectRoot: props.projectRoot,
    });
    const lambdas = this.functions.byName;

    this.api = hasHttpRoutes(topology.functions)
      ? new Api(this, 'Api', { functions: topology.functions, lambdas })
      : undefined;
    if (this.api !== undefined) {
      new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    }

    this.scheduling = new Scheduling(this, 'Scheduling', { functions: topology.functions, lambdas });

    if (isNoMonitoring(props.monitoring)) {
      this.monitoring = undefined;
    } else {
      this.monitoring = new Monitoring(this, 'Monitoring', {
        ...props.monitoring,
        deadLetterQueues: new Map(
          [...this.queues.byName].map(([name, { deadLetterQueue }]) => [name, deadLetterQueue]),
        ),
        functions: lambdas,
      });
      new CfnOutput(this, 'AlarmTopicArn', {
        value: this.monitoring.topic.topicArn,
        description: 'SNS topic the alarms notify; subscribe to it',
      });
    }
  }
}
