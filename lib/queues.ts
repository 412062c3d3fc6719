import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueueSpec } from '../lambdas/topology.ts';
import { deadLetterQueueName } from '../lambdas/topology.ts';

export interface QueuesProps {
  /** The queues of the topology, each with its visibility timeout and dead-letter threshold. */
  queues: readonly QueueSpec[];
}

/** A queue of the topology and the dead-letter queue its failed messages move to. */
export interface TopologyQueue {
  spec: QueueSpec;
  queue: Queue;
  deadLetterQueue: Queue;
}

/** How long the dead-letter queue keeps a message: the most SQS allows, to leave time to redrive it. */
const deadLetterRetention = Duration.days(14);
/** How long a working queue keeps a message: SQS's default, written down and kept below the DLQ's. */
const queueRetention = Duration.days(4);

/**
 * One SQS queue per queue of the topology, each with its dead-letter queue `<name>-dlq`.
 *
 * Defaults:
 * - A message moves to the dead-letter queue after `maxReceives` receives, and stays invisible for
 *   `visibilityTimeoutSeconds` after each receive, both from the topology.
 * - A working queue keeps a message for 4 days (SQS's default); a dead-letter queue for 14 days, the
 *   most SQS allows. SQS counts a message's age from when it was first sent, even after it moves to the
 *   dead-letter queue, so the dead-letter queue keeps messages longer than its source, as AWS advises.
 * - Every queue is encrypted at rest with SQS-managed keys and refuses requests made without TLS.
 * - Queues are retained, not deleted, when the stack is deleted or a change would replace them, so
 *   accepted mail is never dropped by a deployment; delete leftover queues by hand.
 * - Queue names are left to CloudFormation, so one account can hold several stacks.
 *
 * STATEFUL: each queue's construct id (`<id>-<name>` and `<id>-<name>-dlq`) must never change.
 * CloudFormation deletes and recreates a queue whose logical id changes, losing every message in it,
 * including mail already answered with 250 OK (ARCHITECTURE.md, principle 2).
 */
export class Queues extends Construct {
  /** The queues by their topology name. */
  readonly byName: ReadonlyMap<string, TopologyQueue>;

  constructor(scope: Construct, id: string, props: QueuesProps) {
    super(scope, id);
    const byName = new Map<string, TopologyQueue>();
    for (const spec of props.queues) {
      if (byName.has(spec.name)) {
        throw new Error(`The topology declares the queue "${spec.name}" twice; queue names must be unique.`);
      }
      if (!Number.isInteger(spec.maxReceives) || spec.maxReceives < 1) {
        throw new Error(
          `Queue "${spec.name}" has maxReceives ${spec.maxReceives}; it must be a whole number of at least 1.`,
        );
      }
      const dlqName = deadLetterQueueName(spec.name);
      // STATEFUL: never change this id (see the class comment).
      const deadLetterQueue = new Queue(this, `${id}-${dlqName}`, {
        retentionPeriod: deadLetterRetention,
        removalPolicy: RemovalPolicy.RETAIN,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      // STATEFUL: never change this id (see the class comment).
      const queue = new Queue(this, `${id}-${spec.name}`, {
        visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
        retentionPeriod: queueRetention,
        removalPolicy: RemovalPolicy.RETAIN,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: spec.maxReceives },
      });
      byName.set(spec.name, { spec, queue, deadLetterQueue });
    }
    this.byName = byName;
  }
}
