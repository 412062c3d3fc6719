import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../db/database.ts';
import { durably } from '../db/durability.ts';
import type { SqlDialect } from '../db/sql-dialect.ts';
import type { Clock, Queue, QueueDepth, QueueMessage, QueueSendOptions } from '../ports.ts';
import { GroupCommit } from './group-commit.ts';
import { pooledRandomBytes } from './random-pool.ts';

/**
 * What the queue needs to know of each queue. The same shape as the topology's QueueSpec plus its
 * dead-letter queue, declared here because core must not depend on lambdas/.
 */
export interface DatabaseQueueSettings {
  name: string;
  visibilityTimeoutSeconds: number;
  maxReceives: number;
  /** Where a message goes instead of its next receive past maxReceives; must be declared too. */
  deadLetterQueue?: string;
}

export interface DatabaseQueueOptions {
  db: Db;
  dialect: SqlDialect;
  clock: Clock;
  queues: readonly DatabaseQueueSettings[];
}

// Rows per statement: 6 parameters a row stays far below every dialect's limit on parameters.
const ROWS_PER_STATEMENT = 500;

interface QueueRow {
  queue: string;
  body: string;
  visible_at: number;
  receive_count: number;
  receipt_handle: null;
  sent_at: number;
}

// SQS's limits, so that code run locally also runs in the cloud.
const MAX_DELAY_SECONDS = 900;
const MAX_VISIBILITY_SECONDS = 43_200;

const Settings = z
  .object({
    name: z.string().min(1).max(80),
    visibilityTimeoutSeconds: z.number().int().min(0).max(MAX_VISIBILITY_SECONDS),
    maxReceives: z.number().int().positive(),
    deadLetterQueue: z.string().min(1).max(80).optional(),
  })
  .strict();

/** SQS's answer to a change of visibility through a handle that no longer names a received message. */
export class ReceiptHandleInvalidError extends Error {
  readonly code = 'receipt_handle_invalid';

  constructor(queue: string) {
    super(`the receipt handle is not valid for a message received from ${queue}`);
    this.name = 'ReceiptHandleInvalidError';
  }
}

/**
 * The `queue_messages` table with SQS semantics, for the local shape on SQLite and self-hosted
 * MySQL/MariaDB. Receiving claims rows with `SELECT … FOR UPDATE SKIP LOCKED` on MySQL, so
 * concurrent receivers never share a message; on SQLite one process owns the file and its
 * transactions run one at a time.
 *
 * Sends and deletes are group-committed: those that arrive while one commit is under way share
 * the next, so a burst of accepted messages costs a few fsyncs rather than one each.
 */
export class DatabaseQueue implements Queue {
  readonly #db: Db;
  readonly #dialect: SqlDialect;
  readonly #clock: Clock;
  readonly #queues: ReadonlyMap<string, Readonly<DatabaseQueueSettings>>;
  readonly #listeners = new Set<(queue: string) => void>();
  readonly #sends = new GroupCommit<QueueRow[]>((batches) => this.#insert(batches.flat()));
  readonly #deletes = new GroupCommit<{ queue: string; receiptHandle: string }>((items) =>
    this.#deleteAll(items),
  );

  constructor(options: DatabaseQueueOptions) {
    this.#db = options.db;
    this.#dialect = options.dialect;
    this.#clock = options.clock;
    const queues = new Map<string, Readonly<DatabaseQueueSettings>>();
    for (const spec of options.queues) {
      const settings = Object.freeze(Settings.parse(spec));
      if (queues.has(settings.name)) throw new Error(`queue ${settings.name} is declared twice`);
      queues.set(settings.name, settings);
    }
    for (const { name, deadLetterQueue } of queues.values()) {
      if (deadLetterQueue !== undefined && !queues.has(deadLetterQueue)) {
        throw new Error(`queue ${name} names dead-letter queue ${deadLetterQueue}, which is not declared`);
      }
    }
    this.#queues = queues;
  }

  /**
   * Calls `listener` after every send has committed, and when a message moves to a dead-letter
   * queue, so that a local poller can receive at once instead of waiting for its next poll.
   * Returns the function that unsubscribes.
   */
  onSend(listener: (queue: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async send(queue: string, body: string, options: QueueSendOptions = {}): Promise<void> {
    await this.sendBatch(queue, [body], options);
  }

  async sendBatch(queue: string, bodies: readonly string[], options: QueueSendOptions = {}): Promise<void> {
    this.#settings(queue);
    const delay = checkSeconds('delaySeconds', options.delaySeconds ?? 0, MAX_DELAY_SECONDS);
    if (bodies.length === 0) return;
    const now = this.#clock.now();
    const rows = bodies.map((body) => ({
      queue,
      body,
      visible_at: now + delay * 1000,
      receive_count: 0,
      receipt_handle: null,
      sent_at: now,
    }));
    await this.#sends.submit(rows);
  }

  /**
   * One durable transaction for every row of a group commit (a send is durable when it
   * resolves, as SQS's is), then each queue's listeners.
   */
  async #insert(rows: QueueRow[]): Promise<void> {
    await durably(this.#db, this.#dialect, (db) =>
      db.transaction().execute(async (trx) => {
        for (const part of chunk(rows, ROWS_PER_STATEMENT)) {
          await trx.insertInto('queue_messages').values(part).execute();
        }
      }),
    );
    for (const queue of new Set(rows.map((row) => row.queue))) this.#notify(queue);
  }

  async receive(
    queue: string,
    options: { max: number; visibilityTimeoutSeconds?: number },
  ): Promise<QueueMessage[]> {
    const settings = this.#settings(queue);
    if (!Number.isInteger(options.max) || options.max < 1) throw new RangeError(`invalid max ${options.max}`);
    const visibility = checkSeconds(
      'visibilityTimeoutSeconds',
      options.visibilityTimeoutSeconds ?? settings.visibilityTimeoutSeconds,
      MAX_VISIBILITY_SECONDS,
    );
    const received: QueueMessage[] = [];
    // Messages moved to the dead-letter queue leave room in the batch: claim again to fill it.
    while (received.length < options.max) {
      const { messages, movedToDeadLetter } = await this.#claim(
        settings,
        options.max - received.length,
        visibility,
      );
      received.push(...messages);
      if (movedToDeadLetter === 0) break;
      this.#notify(settings.deadLetterQueue ?? queue);
    }
    return received;
  }

  async changeVisibility(
    queue: string,
    receiptHandle: string,
    visibilityTimeoutSeconds: number,
  ): Promise<void> {
    this.#settings(queue);
    const seconds = checkSeconds(
      'visibilityTimeoutSeconds',
      visibilityTimeoutSeconds,
      MAX_VISIBILITY_SECONDS,
    );
    const result = await this.#db
      .updateTable('queue_messages')
      .set({ visible_at: this.#clock.now() + seconds * 1000 })
      .where('queue', '=', queue)
      .where('receipt_handle', '=', receiptHandle)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new ReceiptHandleInvalidError(queue);
  }

  async delete(queue: string, receiptHandle: string): Promise<void> {
    this.#settings(queue);
    await this.#deletes.submit({ queue, receiptHandle });
  }

  async #deleteAll(items: { queue: string; receiptHandle: string }[]): Promise<void> {
    const byQueue = new Map<string, string[]>();
    for (const { queue, receiptHandle } of items) {
      const handles = byQueue.get(queue) ?? [];
      handles.push(receiptHandle);
      byQueue.set(queue, handles);
    }
    const statements = [...byQueue].flatMap(([queue, handles]) =>
      chunk(handles, ROWS_PER_STATEMENT).map((part) => ({ queue, handles: part })),
    );
    await this.#db.transaction().execute(async (trx) => {
      for (const { queue, handles } of statements) {
        await trx
          .deleteFrom('queue_messages')
          .where('queue', '=', queue)
          .where('receipt_handle', 'in', handles)
          .execute();
      }
    });
  }

  async depth(queue: string): Promise<QueueDepth> {
    this.#settings(queue);
    const now = this.#clock.now();
    const row = await this.#db
      .selectFrom('queue_messages')
      .select([
        sql<number | null>`sum(case when visible_at <= ${now} then 1 else 0 end)`.as('visible'),
        sql<number | null>`sum(case when visible_at > ${now} and receive_count > 0 then 1 else 0 end)`.as(
          'in_flight',
        ),
        sql<number | null>`sum(case when visible_at > ${now} and receive_count = 0 then 1 else 0 end)`.as(
          'delayed',
        ),
      ])
      .where('queue', '=', queue)
      .executeTakeFirstOrThrow();
    return {
      visible: Number(row.visible ?? 0),
      inFlight: Number(row.in_flight ?? 0),
      delayed: Number(row.delayed ?? 0),
    };
  }

  /** One transaction: lock up to `max` visible rows, then either hand each out or dead-letter it. */
  async #claim(
    settings: Readonly<DatabaseQueueSettings>,
    max: number,
    visibilitySeconds: number,
  ): Promise<{ messages: QueueMessage[]; movedToDeadLetter: number }> {
    const { name, maxReceives, deadLetterQueue } = settings;
    // Read committed: MySQL's default (repeatable read) would also lock the gaps it scanned and so
    // hold up senders inserting into the same queue until this transaction ends.
    const transaction =
      this.#dialect === 'mysql'
        ? this.#db.transaction().setIsolationLevel('read committed')
        : this.#db.transaction();
    return transaction.execute(async (trx) => {
      const now = this.#clock.now();
      const select = trx
        .selectFrom('queue_messages')
        .select(['id', 'body', 'receive_count', 'sent_at'])
        .where('queue', '=', name)
        .where('visible_at', '<=', now)
        .orderBy('visible_at')
        .orderBy('id')
        .limit(max);
      const rows = await (this.#dialect === 'mysql' ? select.forUpdate().skipLocked() : select).execute();

      const dead =
        deadLetterQueue === undefined ? [] : rows.filter((row) => row.receive_count + 1 > maxReceives);
      const live = rows.filter((row) => !dead.includes(row));
      if (dead.length > 0) {
        await trx
          .updateTable('queue_messages')
          .set({ queue: deadLetterQueue, receive_count: 0, receipt_handle: null, visible_at: now })
          .where(
            'id',
            'in',
            dead.map((row) => row.id),
          )
          .execute();
      }
      const messages: QueueMessage[] = [];
      for (const row of live) {
        const receiptHandle = pooledRandomBytes(24).toString('base64url');
        await trx
          .updateTable('queue_messages')
          .set({
            receive_count: row.receive_count + 1,
            receipt_handle: receiptHandle,
            visible_at: now + visibilitySeconds * 1000,
          })
          .where('id', '=', row.id)
          .execute();
        messages.push({
          id: String(row.id),
          body: row.body,
          receiptHandle,
          receiveCount: row.receive_count + 1,
          sentAt: Number(row.sent_at),
        });
      }
      return { messages, movedToDeadLetter: dead.length };
    });
  }

  #settings(queue: string): Readonly<DatabaseQueueSettings> {
    const settings = this.#queues.get(queue);
    if (!settings) throw new Error(`unknown queue ${JSON.stringify(queue)}`);
    return settings;
  }

  #notify(queue: string): void {
    // After the commit, and outside the caller's promise: a listener's failure must not make a
    // committed send look failed (and so be sent again).
    for (const listener of this.#listeners) queueMicrotask(() => listener(queue));
  }
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let at = 0; at < items.length; at += size) chunks.push(items.slice(at, at + size));
  return chunks;
}

function checkSeconds(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be a whole number of seconds from 0 to ${max}, not ${value}`);
  }
  return value;
}
