import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { FunctionSpec } from '../lambdas/topology.ts';

export interface SchedulingProps {
  /** The functions of the topology; each `schedule` trigger becomes a rule. */
  functions: readonly FunctionSpec[];
  /** The Lambda functions by topology name. */
  lambdas: ReadonlyMap<string, IFunction>;
}

/**
 * One EventBridge rule per schedule trigger of the topology, invoking its function every
 * `everyMinutes` minutes (`rate(1 minute)`, `rate(5 minutes)`…).
 *
 * EventBridge rules rather than EventBridge Scheduler: a fixed rate needs neither Scheduler's time
 * zones nor its flexible windows, and a rule invokes Lambda through a resource policy, where Scheduler
 * needs an IAM role per target. Rules deliver the same "Scheduled Event" the local runtime's timers
 * hand the handlers.
 *
 * Defaults:
 * - A run that cannot be delivered is retried at most twice, and dropped once it is older than its
 *   interval (or 24 hours, EventBridge's limit): the next run does the same work (scheduled jobs pick up whatever is due).
 * - Rule names are left to CloudFormation.
 *
 * Checks: a schedule whose interval is not a whole number of minutes, at least 1, or a schedule name
 * used twice fails synthesis with a sentence naming the function.
 */
export class Scheduling extends Construct {
  /** The rules by schedule name. */
  readonly rules: ReadonlyMap<string, Rule>;

  constructor(scope: Construct, id: string, props: SchedulingProps) {
    super(scope, id);
    const rules = new Map<string, Rule>();
    for (const spec of props.functions) {
      for (const trigger of spec.triggers) {
        if (trigger.kind !== 'schedule') continue;
        if (!Number.isInteger(trigger.everyMinutes) || trigger.everyMinutes < 1) {
          throw new Error(
            `Function "${spec.name}": schedule "${trigger.name}" runs every ${trigger.everyMinutes} minutes; ` +
              'it must be a whole number of at least 1.',
          );
        }
        if (rules.has(trigger.name)) {
          throw new Error(
            `Function "${spec.name}": the schedule name "${trigger.name}" is already used; names must be unique.`,
          );
        }
        const fn = props.lambdas.get(spec.name);
        if (fn === undefined) {
          throw new Error(`Function "${spec.name}" has schedules but no Lambda function was built for it.`);
        }
        // EventBridge keeps an undelivered event for 24 hours at most.
        const maxEventAge = Duration.minutes(Math.min(trigger.everyMinutes, 24 * 60));
        const rule = new Rule(this, `${id}-${trigger.name}`, {
          description: `Postern: ${spec.name} ${trigger.name}, every ${trigger.everyMinutes} min`,
          schedule: Schedule.rate(Duration.minutes(trigger.everyMinutes)),
          targets: [new LambdaFunction(fn, { retryAttempts: 2, maxEventAge })],
        });
        rules.set(trigger.name, rule);
      }
    }
    this.rules = rules;
  }
}
