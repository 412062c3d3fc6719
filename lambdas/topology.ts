// The one declaration of every function and its triggers. lib/ turns it into Lambdas, queues,
// event source mappings, HTTP API routes and schedules; bin/local/ turns the same list into an
// HTTP router, queue pollers and timers. Handlers are named by module path (a string), so the
// CDK app bundles them without loading them.

export interface QueueSpec {
  name: string;
  /** Seconds a received message stays invisible; above the consumer's timeout, as SQS asks. */
  visibilityTimeoutSeconds: number;
  /** Receives after which a message moves to `<name>-dlq`; above the stage's planned attempts. */
  maxReceives: number;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'ANY';

export interface HttpRoute {
  method: HttpMethod;
  /** An API Gateway path: literal segments, `{name}` and a final `{proxy+}`. */
  path: string;
}

export type Trigger =
  | { kind: 'http'; routes: readonly HttpRoute[] }
  | { kind: 'queue'; queue: string; batchSize: number }
  | { kind: 'schedule'; name: string; everyMinutes: number };

export interface FunctionSpec {
  name: string;
  /** Module path from the repository root; it exports `handler` (the cloud) and `createHandler` (any wiring). */
  module: string;
  memoryMb: number;
  timeoutSeconds: number;
  triggers: readonly Trigger[];
}

export const queues: readonly QueueSpec[] = [];

export const functions: readonly FunctionSpec[] = [
  {
    name: 'management',
    module: 'lambdas/management/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    triggers: [{ kind: 'http', routes: [{ method: 'ANY', path: '/management/v1/{proxy+}' }] }],
  },
  {
    name: 'scheduler',
    module: 'lambdas/scheduler/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 300,
    triggers: [{ kind: 'schedule', name: 'every-minute', everyMinutes: 1 }],
  },
];

export const deadLetterQueueName = (queue: string): string => `${queue}-dlq`;

/** The environment variable that carries a queue's URL to the functions in the cloud. */
export const queueUrlVariable = (queue: string): string =>
  `POSTERN_QUEUE_URL_${queue.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
