import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createHash } from 'node:crypto';
import type { Logger, QueueMessage } from '../../core/ports.ts';
import type { DatabaseQueue } from '../../core/local/database-queue.ts';
import type { QueueSpec } from '../../lambdas/topology.ts';
import type { LoadedFunction } from './function-loader.ts';
import { lambdaContext } from './lambda-context.ts';

// The local stand-in for Lambda's SQS event source mapping: receive a batch, hand the function
// the records SQS would, delete what succeeded, and leave the rest to come back after their
// visibility timeout (or whenever the function itself made them visible again).

export const localQueueArn = (queue: string): string => `arn:aws:sqs:local:000000000000:${queue}`;

/** The queue a record came from, read from its ARN as a cloud handler would. */
export const queueNameOfArn = (arn: string): string => arn.slice(arn.lastIndexOf(':') + 1);

function toRecord(queue: string, message: QueueMessage): SQSRecord {
  return {
    messageId: message.id,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(message.sentAt),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(message.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: localQueueArn(queue),
    awsRegion: 'local',
  };
}

export interface QueuePollerOptions {
  queue: DatabaseQueue;
  queues: readonly QueueSpec[];
  functions: readonly LoadedFunction[];
  logger: Logger;
  /** Longest idle wait between receives; a send to the queue wakes the poller at once. */
  idleMs?: number;
  /** Concurrent batches per function, as Lambda runs several instances. */
  concurrency?: number;
  /**
   * True while clients are handing in mail: the pollers then take turns, one message per turn,
   * and each turn is followed by a rest three times as long as it took, so the pipeline as a
   * whole leaves the thread to the clients at least three quarters of the time.
   */
  giveWay?: () => boolean;
}

// The longest rest after a batch, so a slow batch cannot stop its queue for long.
const MAX_REST_MS = 1000;

export interface QueuePollers {
  /** Which function consumes which queue, as event source mappings would list them. */
  consumers: { function: string; queue: string }[];
  stop(): Promise<void>;
}

export function startQueuePollers(options: QueuePollerOptions): QueuePollers {
  let running = true;
  const wakers = new Map<string, Set<() => void>>();
  // One idle poller per send: the rest would find nothing left, and each empty receive is a
  // transaction. A poller that is busy receives again as soon as it is done anyway.
  const unsubscribe = options.queue.onSend((queue) => {
    wakers.get(queue)?.values().next().value?.();
  });
  const idleMs = options.idleMs ?? 1000;

  function idle(queue: string): Promise<void> {
    // A poller whose receive was under way as stop() woke the idle ones comes here after it.
    if (!running) return Promise.resolve();
    return new Promise((resolve) => {
      const set = wakers.get(queue) ?? new Set();
      wakers.set(queue, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, idleMs);
      set.add(done);
    });
  }

  const rest = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  // While clients are served, the pipeline's pollers queue here: each waits for the turns of
  // those before it, rests included. A rest per poller would not do: with several pollers
  // resting in parallel, the pipeline as a whole could still hold the thread all the time.
  let turns: Promise<unknown> = Promise.resolve();
  function inTurn<T>(work: () => Promise<T>): Promise<T> {
    const turn = turns.then(async () => {
      const started = performance.now();
      try {
        return await work();
      } finally {
        await rest(Math.min(3 * (performance.now() - started), MAX_REST_MS));
      }
    });
    turns = turn.catch(() => undefined);
    return turn;
  }

  /** One receive and, if it brought anything, its handling; false when there was nothing to do. */
  async function pollOnce(fn: LoadedFunction, spec: QueueSpec, max: number): Promise<boolean> {
    let messages: QueueMessage[];
    try {
      messages = await options.queue.receive(spec.name, {
        max,
        visibilityTimeoutSeconds: spec.visibilityTimeoutSeconds,
      });
    } catch (error) {
      options.logger.error('queue receive failed', { queue: spec.name, error: String(error) });
      return false;
    }
    if (messages.length === 0) return false;
    const event: SQSEvent = { Records: messages.map((message) => toRecord(spec.name, message)) };
    let failed = new Set(messages.map((message) => message.id));
    try {
      const response = (await fn.invoke(event, lambdaContext(fn.spec.name, fn.spec.timeoutSeconds))) as
        SQSBatchResponse | undefined;
      failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch (error) {
      options.logger.error('queue function failed', { function: fn.spec.name, error: String(error) });
    }
    await Promise.all(
      messages
        .filter((message) => !failed.has(message.id))
        .map((message) => options.queue.delete(spec.name, message.receiptHandle)),
    );
    return true;
  }

  async function poll(fn: LoadedFunction, queueName: string, batchSize: number): Promise<void> {
    const spec = options.queues.find((queue) => queue.name === queueName);
    if (!spec) throw new Error(`${fn.spec.name} is triggered by undeclared queue ${queueName}`);
    while (running) {
      // One at a time while clients are being served: a batch's records, handled at once,
      // would hold the thread for as long as all of them take.
      const handled = options.giveWay?.()
        ? await inTurn(() => pollOnce(fn, spec, 1))
        : await pollOnce(fn, spec, batchSize);
      if (!handled) await idle(queueName);
    }
  }

  const loops: Promise<void>[] = [];
  const consumers: QueuePollers['consumers'] = [];
  for (const fn of options.functions) {
    for (const trigger of fn.spec.triggers) {
      if (trigger.kind !== 'queue') continue;
      consumers.push({ function: fn.spec.name, queue: trigger.queue });
      for (let n = 0; n < (options.concurrency ?? 2); n += 1) {
        loops.push(
          poll(fn, trigger.queue, trigger.batchSize).catch((error: unknown) => {
            options.logger.error('queue poller stopped', { function: fn.spec.name, error: String(error) });
          }),
        );
      }
    }
  }

  return {
    consumers,
    async stop() {
      running = false;
      unsubscribe();
      for (const set of wakers.values()) for (const wake of [...set]) wake();
      await Promise.all(loops);
    },
  };
}
