import { CompiledQuery, sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../db/database.ts';
import { durably } from '../db/durability.ts';
import type { SqlDialect } from '../db/sql-dialect.ts';
import type { Clock, Queue, QueueDepth, QueueMessage, QueueSendOptions } from '../ports.ts';
import { GroupCommit } from './group-commit.ts';
import { pooledRandomBytes } from '../random-pool.ts';

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

// Rows per statement: 4 parameters a row stays far below every dialect's limit on parameters.
const ROWS_PER_STATEMENT = 500;
// Rows read at a time when a queue is listed whole (bodies()).
const BODIES_PER_PAGE = 1_000;

interface QueueRow {
  queue: string;
  body: string;
  visible_at: number;
  sent_at: number;
}

/** A row just claimed, its receive count already raised. */
interface ClaimedRow {
  id: number | bigint;
  body: string;
  receive_count: number;
  sent_at: number | bigint;
}

// The statements every message passes through are written out rather than built: the queue is the
// busiest code in the local shape, and building each statement cost more than running it.
const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');

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
 * concurrent receivers never share a message; on SQLite one process owns the file, and a claim
 * takes the rows it picked only while they are still visible in their queue (see #claimRows).
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
  readonly #sends = new GroupCommit<QueueRow[]>((batches) => this.#insert(batches.flat(), true));
  /** Sends whose senders recover them (QueueSendOptions.recoveredBySender): committed, not synced. */
  readonly #recoverableSends = new GroupCommit<QueueRow[]>((batches) => this.#insert(batches.flat(), false));
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
    const rows = bodies.map((body) => ({ queue, body, visible_at: now + delay * 1000, sent_at: now }));
    await (options.recoveredBySender ? this.#recoverableSends : this.#sends).submit(rows);
  }

  /**
   * One transaction for every row of a group commit, made durable before the sends resolve
   * when `sync` (a send is durable when it resolves, as SQS's is), then each queue's listeners.
   */
  async #insert(rows: QueueRow[], sync: boolean): Promise<void> {
    const insert = (db: Db) =>
      db.transaction().execute(async (trx) => {
        for (const part of chunk(rows, ROWS_PER_STATEMENT)) {
          await trx.executeQuery(
            CompiledQuery.raw(
              'insert into queue_messages (queue, body, visible_at, receive_count, receipt_handle, sent_at) ' +
                `values ${part.map(() => '(?, ?, ?, 0, null, ?)').join(', ')}`,
              part.flatMap((row) => [row.queue, row.body, row.visible_at, row.sent_at]),
            ),
          );
        }
      });
    await (sync ? durably(this.#db, this.#dialect, insert) : insert(this.#db));
    for (const queue of new Set(rows.map((row) => row.queue))) this.#notify(queue);
  }

  /**
   * The bodies of every message of `queue`, visible, in flight or delayed, in the order sent:
   * what recovery at start-up compares its senders' records with. Read `pageSize` rows at a time,
   * so that a backlog of millions is never all in memory at once.
   */
  async *bodies(queue: string, pageSize = BODIES_PER_PAGE): AsyncGenerator<string> {
    this.#settings(queue);
    for (let after = 0; ;) {
      const { rows } = await this.#db.executeQuery<{ id: number | bigint; body: string }>(
        CompiledQuery.raw(
          // By id, the queue kept out of the choice of index (see deleteByHandles): each page
          // starts where the last ended instead of walking the queue's backlog again.
          'select id, body from queue_messages where id > ? and +queue = ? order by id limit ?',
          [after, queue, pageSize],
        ),
      );
      for (const row of rows) yield row.body;
      if (rows.length < pageSize) return;
      after = Number(rows.at(-1)!.id);
    }
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
    const id = rowIdOf(receiptHandle);
    if (id === null) throw new ReceiptHandleInvalidError(queue);
    const result = await this.#db
      .updateTable('queue_messages')
      .set({ visible_at: this.#clock.now() + seconds * 1000 })
      .where('id', '=', id)
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
    const byQueue = new Map<string, { id: number; handle: string }[]>();
    for (const { queue, receiptHandle } of items) {
      // A handle that names no row deletes nothing, as one whose message is gone.
      const id = rowIdOf(receiptHandle);
      if (id === null) continue;
      const handles = byQueue.get(queue) ?? [];
      handles.push({ id, handle: receiptHandle });
      byQueue.set(queue, handles);
    }
    const statements = [...byQueue].flatMap(([queue, handles]) =>
      chunk(handles, ROWS_PER_STATEMENT).map((part) => ({ queue, handles: part })),
    );
    if (statements.length === 0) return;
    // Each handle names its own row, so a row is deleted only through the handle of its latest
    // receive, whichever other handles share the statement.
    await this.#db.transaction().execute(async (trx) => {
      for (const { queue, handles } of statements) {
        await trx.executeQuery(
          CompiledQuery.raw(deleteByHandles(handles.length), [
            ...handles.map((entry) => entry.id),
            queue,
            ...handles.map((entry) => entry.handle),
          ]),
        );
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

  /**
   * Claims up to `max` visible rows (each gets a receipt handle and its visibility timeout), then
   * moves those past their queue's receive limit to its dead-letter queue. Should the process die
   * or the move fail between the two, such a row comes back after its timeout and is moved then
   * (and the live rows of this claim with it, as a receive that fails would leave them).
   */
  async #claim(
    settings: Readonly<DatabaseQueueSettings>,
    max: number,
    visibilitySeconds: number,
  ): Promise<{ messages: QueueMessage[]; movedToDeadLetter: number }> {
    const { name, maxReceives, deadLetterQueue } = settings;
    const now = this.#clock.now();
    // One random part per claim, the row id after it: unique per receive, and unguessable.
    const prefix = `${pooledRandomBytes(24).toString('base64url')}.`;
    const rows = await this.#claimRows(name, max, now, now + visibilitySeconds * 1000, prefix);
    const dead = deadLetterQueue === undefined ? [] : rows.filter((row) => row.receive_count > maxReceives);
    if (dead.length > 0) {
      await this.#db.executeQuery(
        CompiledQuery.raw(
          'update queue_messages set queue = ?, receive_count = 0, receipt_handle = null, visible_at = ? ' +
            `where queue = ? and id in (${placeholders(dead.length)})`,
          [deadLetterQueue, now, name, ...dead.map((row) => row.id)],
        ),
      );
    }
    const messages = rows
      .filter((row) => !dead.includes(row))
      .map((row) => ({
        id: String(row.id),
        body: row.body,
        receiptHandle: `${prefix}${row.id}`,
        receiveCount: row.receive_count,
        sentAt: Number(row.sent_at),
      }));
    return { messages, movedToDeadLetter: dead.length };
  }

  async #claimRows(
    queue: string,
    max: number,
    now: number,
    visibleAt: number,
    prefix: string,
  ): Promise<ClaimedRow[]> {
    if (this.#dialect === 'sqlite') {
      // Picked, then claimed only while still visible in this queue: a claim that ran in between
      // has made them invisible (or moved them to the dead-letter queue, visible there at once),
      // so no row goes to two receivers, and no transaction is needed around the two.
      const picked = await this.#db.executeQuery<{ id: number }>(
        CompiledQuery.raw(
          'select id from queue_messages where queue = ? and visible_at <= ? order by visible_at, id limit ?',
          [queue, now, max],
        ),
      );
      if (picked.rows.length === 0) return [];
      const ids = picked.rows.map((row) => row.id);
      const { rows } = await this.#db.executeQuery<ClaimedRow>(
        CompiledQuery.raw(
          'update queue_messages set receive_count = receive_count + 1, receipt_handle = ? || id, visible_at = ? ' +
            `where queue = ? and id in (${placeholders(ids.length)}) and visible_at <= ? ` +
            'returning id, body, receive_count, sent_at',
          [prefix, visibleAt, queue, ...ids, now],
        ),
      );
      // RETURNING keeps no order: the batch goes out in the order it was picked.
      const order = new Map(ids.map((id, index) => [Number(id), index]));
      return rows.toSorted((a, b) => (order.get(Number(a.id)) ?? 0) - (order.get(Number(b.id)) ?? 0));
    }
    // MySQL has no UPDATE … RETURNING: lock the rows (skipping those another claim holds), then
    // update them. Read committed, for MySQL's default (repeatable read) would also lock the gaps it
    // scanned and so hold up senders inserting into the same queue until this transaction ends.
    return this.#db
      .transaction()
      .setIsolationLevel('read committed')
      .execute(async (trx) => {
        const { rows } = await trx.executeQuery<ClaimedRow>(
          CompiledQuery.raw(
            'select id, body, receive_count, sent_at from queue_messages where queue = ? and visible_at <= ? ' +
              'order by visible_at, id limit ? for update skip locked',
            [queue, now, max],
          ),
        );
        if (rows.length === 0) return [];
        await trx.executeQuery(
          CompiledQuery.raw(
            'update queue_messages set receive_count = receive_count + 1, receipt_handle = concat(?, id), ' +
              `visible_at = ? where id in (${placeholders(rows.length)})`,
            [prefix, visibleAt, ...rows.map((row) => row.id)],
          ),
        );
        return rows.map((row) => ({ ...row, receive_count: row.receive_count + 1 }));
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

/**
 * Deletes the rows of `count` handles: their ids, then the queue, then the handles. The unary
 * plus keeps the queue out of the choice of index: SQLite's planner, which has no statistics,
 * otherwise walks the queue's whole backlog through its (queue, visible_at) index once there are
 * more than a few ids (a delete of 10 took 3.3 ms with 20,000 messages queued, 0.29 ms by key).
 */
export function deleteByHandles(count: number): string {
  return (
    `delete from queue_messages where id in (${placeholders(count)}) and +queue = ? ` +
    `and receipt_handle in (${placeholders(count)})`
  );
}

/**
 * The row a receipt handle names: a claim writes `<random part>.<row id>` (see #claim), so the
 * row is found by its primary key and the whole handle then checked on it. Null for a handle
 * this queue never gave out.
 */
function rowIdOf(receiptHandle: string): number | null {
  const digits = receiptHandle.slice(receiptHandle.lastIndexOf('.') + 1);
  const id = Number(digits);
  return /^[1-9][0-9]*$/.test(digits) && Number.isSafeInteger(id) ? id : null;
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
