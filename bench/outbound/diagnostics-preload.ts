// Loaded into the platform process with `node --import` when the bench runs with --diagnose
// (or --experiment, below):
// counts and times every SQLite statement (by SQL text) and every blob-store call (by key
// prefix), and watches the event loop's delay, then writes it all as JSON to
// BENCH_DIAGNOSTICS_FILE at the end of the parent's window (see SIGUSR2 below). It also follows
// each queue (messages sent, completed, time waiting, time in hand), which shows the stage that
// holds the pipeline back. Queue times use the wall clock, as the queue's sentAt does. It wraps methods of node:sqlite and of
// SqliteBlobStore from outside; nothing in the platform's code changes. Statement times are the
// time the (synchronous) call held the event loop, so a commit's fsync is in its `commit`.

import { writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { DatabaseSync, StatementSync } from 'node:sqlite';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { DatabaseQueue } from '../../core/local/database-queue.ts';
import { SqliteBlobStore } from '../../core/local/sqlite-blob-store.ts';
import type { QueueMessage } from '../../core/ports.ts';

export interface TimedCalls {
  calls: number;
  /** Total milliseconds. */
  ms: number;
}

/** One queue's traffic: messages completed (deleted), time waiting to be received, time in hand. */
export interface QueueStage {
  sent: number;
  completed: number;
  /** From send to first receive, summed over completed messages, ms. */
  waitMs: number;
  /** From receive to delete, summed over completed messages, ms. */
  handleMs: number;
}

export interface Diagnostics {
  sql: Record<string, TimedCalls>;
  /** SQL calls (statements and exec) that held the event loop `stallMs` or longer, by SQL text. */
  stalls: Record<string, TimedCalls>;
  stallMs: number;
  /** Length of the window, ms. */
  windowMs: number;
  /** Garbage collection pauses by kind (minor, major, incremental, weakcb): count, total and longest ms. */
  gc: Record<string, TimedCalls & { maxMs: number }>;
  blobs: Record<string, TimedCalls>;
  queues: Record<string, QueueStage>;
  /** Event loop delay percentiles while the window was open, in ms, beyond the sampling interval. */
  loopDelay: { p50: number; p99: number; max: number };
  /** process.memoryUsage() when the window closed, in bytes. */
  memory: NodeJS.MemoryUsage;
}

const file = process.env.BENCH_DIAGNOSTICS_FILE;
const sql = new Map<string, TimedCalls>();
const stalls = new Map<string, TimedCalls>();
const STALL_MS = 2;
let windowStarted = performance.now();
const gc = new Map<string, TimedCalls & { maxMs: number }>();
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = GC_KINDS[(entry as PerformanceEntry & { detail: { kind: number } }).detail.kind] ?? 'other';
    const pauses = gc.get(kind) ?? { calls: 0, ms: 0, maxMs: 0 };
    pauses.calls++;
    pauses.ms += entry.duration;
    pauses.maxMs = Math.max(pauses.maxMs, entry.duration);
    gc.set(kind, pauses);
  }
}).observe({ entryTypes: ['gc'] });
const blobs = new Map<string, TimedCalls>();
const queues = new Map<string, QueueStage>();
/** Receipt handle → when it was received and when its message was first sent. */
const inHand = new Map<string, { receivedAt: number; sentAt: number; queue: string }>();
const RESOLUTION_MS = 10;
// The histogram records the time between samples, so an idle loop reads RESOLUTION_MS.
const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
delay.enable();

function note(map: Map<string, TimedCalls>, key: string, started: number): number {
  const ms = performance.now() - started;
  const entry = map.get(key) ?? { calls: 0, ms: 0 };
  entry.calls++;
  entry.ms += ms;
  map.set(key, entry);
  return ms;
}

function noteSql(text: string, started: number): void {
  if (note(sql, text, started) >= STALL_MS) note(stalls, text, started);
}

/** The statement with literals, lists of placeholders and names of temp objects folded. */
function shapeOf(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/\((\s*\?\s*,)+\s*\?\s*\)/g, '(?…)')
    .replace(/(, \(\?…\))+/g, ', …')
    .trim()
    .slice(0, 160);
}

// Experiments (--experiment), to size a proposal before anyone writes it; none is a valid way to
// run the platform. nosync: every fsync and fdatasync through a FileHandle (the blob files', the
// WAL syncs of both SQLite files) becomes a no-op: the bound on what fewer syncs could save.
const experiments = new Set((process.env.BENCH_EXPERIMENTS ?? '').split(',').filter(Boolean));
if (experiments.has('nosync')) {
  // FileHandle is not exported; its prototype is reached through a handle.
  const handle = await open('/dev/null', 'r');
  const prototype = Object.getPrototypeOf(handle) as {
    sync: () => Promise<void>;
    datasync: () => Promise<void>;
  };
  await handle.close();
  prototype.sync = async () => undefined;
  prototype.datasync = async () => undefined;
}

const statementSql = new WeakMap<StatementSync, string>();
const prepare = DatabaseSync.prototype.prepare;
DatabaseSync.prototype.prepare = function (this: DatabaseSync, text: string, ...rest: never[]) {
  const statement = prepare.call(this, text, ...rest);
  statementSql.set(statement, shapeOf(text));
  return statement;
} as typeof prepare;

for (const method of ['run', 'all', 'get', 'iterate'] as const) {
  const original = StatementSync.prototype[method] as (...args: unknown[]) => unknown;
  (StatementSync.prototype as unknown as Record<string, unknown>)[method] = function (
    this: StatementSync,
    ...args: unknown[]
  ) {
    const started = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      noteSql(statementSql.get(this) ?? '(unknown)', started);
    }
  };
}
// exec runs the blob store's transactions and checkpoints, and the pragmas around them.
const exec = DatabaseSync.prototype.exec;
DatabaseSync.prototype.exec = function (this: DatabaseSync, text: string) {
  const started = performance.now();
  try {
    exec.call(this, text);
  } finally {
    noteSql(`exec: ${shapeOf(text)}`, started);
  }
};

const prefix = (key: string): string => key.split('/')[0] ?? key;
for (const method of ['put', 'get', 'delete'] as const) {
  const original = SqliteBlobStore.prototype[method] as (...args: unknown[]) => Promise<unknown>;
  (SqliteBlobStore.prototype as unknown as Record<string, unknown>)[method] = async function (
    this: SqliteBlobStore,
    key: string,
    ...rest: unknown[]
  ) {
    const started = performance.now();
    try {
      return await original.call(this, key, ...rest);
    } finally {
      note(blobs, `${method} ${prefix(key)}/`, started);
    }
  };
}

const stage = (queue: string): QueueStage => {
  let entry = queues.get(queue);
  if (!entry) queues.set(queue, (entry = { sent: 0, completed: 0, waitMs: 0, handleMs: 0 }));
  return entry;
};
const sendBatch = DatabaseQueue.prototype.sendBatch;
DatabaseQueue.prototype.sendBatch = async function (this: DatabaseQueue, queue, bodies, ...rest) {
  const result = await sendBatch.call(this, queue, bodies, ...rest);
  stage(queue).sent += bodies.length;
  return result;
};
const receive = DatabaseQueue.prototype.receive;
DatabaseQueue.prototype.receive = async function (this: DatabaseQueue, queue, ...rest) {
  const messages: QueueMessage[] = await receive.call(this, queue, ...rest);
  const receivedAt = Date.now();
  for (const message of messages)
    inHand.set(message.receiptHandle, { receivedAt, sentAt: message.sentAt, queue });
  return messages;
};
const remove = DatabaseQueue.prototype.delete;
DatabaseQueue.prototype.delete = async function (this: DatabaseQueue, queue, receiptHandle) {
  await remove.call(this, queue, receiptHandle);
  const held = inHand.get(receiptHandle);
  if (!held) return;
  inHand.delete(receiptHandle);
  const entry = stage(queue);
  entry.completed++;
  entry.waitMs += held.receivedAt - held.sentAt;
  entry.handleMs += Date.now() - held.receivedAt;
};

function write(): void {
  if (!file) return;
  const diagnostics: Diagnostics = {
    sql: Object.fromEntries(sql),
    stalls: Object.fromEntries(stalls),
    stallMs: STALL_MS,
    gc: Object.fromEntries(gc),
    windowMs: performance.now() - windowStarted,
    blobs: Object.fromEntries(blobs),
    queues: Object.fromEntries(queues),
    loopDelay: {
      p50: Math.max(0, delay.percentile(50) / 1e6 - RESOLUTION_MS),
      p99: Math.max(0, delay.percentile(99) / 1e6 - RESOLUTION_MS),
      max: Math.max(0, delay.max / 1e6 - RESOLUTION_MS),
    },
    memory: process.memoryUsage(),
  };
  writeFileSync(file, JSON.stringify(diagnostics));
}

// The parent brackets its load with two SIGUSR2 (SIGUSR1 belongs to the inspector): the first
// forgets everything counted so far (start-up), the second writes what the load did.
let windowOpen = false;
process.on('SIGUSR2', () => {
  if (windowOpen) return write();
  windowOpen = true;
  windowStarted = performance.now();
  sql.clear();
  stalls.clear();
  gc.clear();
  blobs.clear();
  queues.clear();
  delay.reset();
});
