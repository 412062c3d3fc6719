import { deliveryQueueName } from '../core/delivery/delivery-job.ts';

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
  /**
   * What the function tells a caller of is durable before it answers, by its own writes (the send
   * API's are blob puts, durable when they resolve, and a queue send those blobs recover): a
   * runtime that makes commits durable in groups need not sync after its requests.
   */
  answersDurably?: true;
}

// Each queue's dead-letter threshold sits above the most receives its stage plans
// (ARCHITECTURE principle 6): a process job may be received twice per delivery attempt (once
// early, to wait out its delay), for 18 attempts; a webhook is tried for 24 hours.
export const queues: readonly QueueSpec[] = [
  { name: 'ingest', visibilityTimeoutSeconds: 60, maxReceives: 10 },
  { name: 'process', visibilityTimeoutSeconds: 120, maxReceives: 60 },
  { name: 'results', visibilityTimeoutSeconds: 60, maxReceives: 10 },
  { name: 'webhooks', visibilityTimeoutSeconds: 180, maxReceives: 40 },
];

/**
 * The queue of each IP pool's delivery worker at the edge. Pools are declared by the deployment,
 * so these queues are made per pool rather than listed above. The worker sends to its own queue
 * too: a job it defers goes back as a new, delayed message. A delivery attempt takes a few
 * SMTP round trips; the worker keeps a job invisible for as long as a slow remote may take.
 */
export const deliveryQueueSpec = (pool: string): QueueSpec => ({
  name: deliveryQueueName(pool),
  visibilityTimeoutSeconds: 300,
  maxReceives: 10,
});

export const functions: readonly FunctionSpec[] = [
  {
    name: 'management',
    module: 'lambdas/management/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    triggers: [{ kind: 'http', routes: [{ method: 'ANY', path: '/management/v1/{proxy+}' }] }],
  },
  {
    name: 'api',
    module: 'lambdas/api/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    answersDurably: true,
    triggers: [
      {
        kind: 'http',
        routes: [
          { method: 'ANY', path: '/api/v1/{proxy+}' },
          { method: 'GET', path: '/.well-known/jwks.json' },
        ],
      },
    ],
  },
  {
    name: 'ingest',
    module: 'lambdas/ingest/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 30,
    triggers: [{ kind: 'queue', queue: 'ingest', batchSize: 10 }],
  },
  {
    name: 'process',
    module: 'lambdas/process/handler.ts',
    memoryMb: 1024,
    timeoutSeconds: 60,
    triggers: [{ kind: 'queue', queue: 'process', batchSize: 10 }],
  },
  {
    name: 'results',
    module: 'lambdas/results/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 30,
    triggers: [{ kind: 'queue', queue: 'results', batchSize: 10 }],
  },
  {
    name: 'webhooks',
    module: 'lambdas/webhooks/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 30,
    triggers: [{ kind: 'queue', queue: 'webhooks', batchSize: 10 }],
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
