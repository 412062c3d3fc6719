import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The explicit opt-out: a stack without alarms has to say so (`{ noMonitoring: true }`). */
export interface NoMonitoring {
  noMonitoring: true;
}

/** Alarms on, into an SNS topic; `alarmEmail` subscribes an address to it (confirmed by e-mail). */
export interface AlarmMonitoring {
  alarmEmail?: string;
}

/** What a stack must choose: alarms, or none said out loud. */
export type MonitoringConfiguration = NoMonitoring | AlarmMonitoring;

export const isNoMonitoring = (monitoring: MonitoringConfiguration): monitoring is NoMonitoring =>
  'noMonitoring' in monitoring && monitoring.noMonitoring;

export interface MonitoringProps extends AlarmMonitoring {
  /** Dead-letter queues by the name of the queue they serve. */
  deadLetterQueues: ReadonlyMap<string, IQueue>;
  /** Lambda functions by topology name. */
  functions: ReadonlyMap<string, IFunction>;
}

/** How often alarms look: SQS and Lambda publish one-minute data; five minutes smooths their delays. */
const period = Duration.minutes(5);

/**
 * CloudWatch alarms for the platform, all sending to one SNS topic (`topic`).
 *
 * Defaults:
 * - One alarm per dead-letter queue: it fires when the queue holds any visible message (the largest
 *   `ApproximateNumberOfMessagesVisible` over 5 minutes above 0). A message there is mail or an event
 *   that exhausted its receives and waits for someone to look and redrive it.
 * - One alarm per function: it fires on any error (the `Errors` sum over 5 minutes above 0): an
 *   uncaught exception or a timeout, which our handlers never produce on purpose. Records a queue
 *   consumer reports as failed are not errors; they end in the dead-letter queue and its alarm.
 * - Missing data counts as healthy (an idle queue or function sends none); each alarm also notifies
 *   the topic when it returns to OK.
 * - The topic refuses publishing without TLS and is not KMS-encrypted (CloudWatch cannot publish to a
 *   topic encrypted with the AWS-managed SNS key). Without `alarmEmail` it has no subscriber: subscribe
 *   what you use (e-mail, chat, paging) to `topic`.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new Topic(this, `${id}-Alarms`, { enforceSSL: true });
    if (props.alarmEmail !== undefined) {
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    }
    const action = new SnsAction(this.topic);
    const alarms: Alarm[] = [];
    for (const [name, dlq] of props.deadLetterQueues) {
      alarms.push(
        new Alarm(this, `${id}-${name}-DeadLetters`, {
          alarmDescription: `Messages of the queue "${name}" reached its dead-letter queue: inspect and redrive them.`,
          metric: dlq.metricApproximateNumberOfMessagesVisible({ period, statistic: Stats.MAXIMUM }),
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          threshold: 0,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const [name, fn] of props.functions) {
      alarms.push(
        new Alarm(this, `${id}-${name}-Errors`, {
          alarmDescription: `The function "${name}" failed (uncaught error or timeout): read its logs.`,
          metric: fn.metricErrors({ period, statistic: Stats.SUM }),
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          threshold: 0,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms = alarms;
  }
}
