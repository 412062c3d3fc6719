import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AppContext } from '../context.ts';
import { rawMessageDay } from '../messages/accepted-message.ts';
import { deleteMessages, removeRawMessages, UNFINISHED_STATUSES } from './message-removal.ts';

// Postal's retention (reference/postal.md §4.10), per mail server, with its three settings:
//   raw_message_retention_days  raw messages of days further back go; the messages stay
//   raw_message_retention_size  MB: the oldest raw messages go until the rest fit
//   message_retention_days      messages further back go, with all that belongs to them
// A null setting keeps everything. Unlike Postal, nothing still being sent or routed loses its raw
// message (message-removal.ts). The day rules find what is due through indexes and cost nothing
// when it is done, so they run at each of the scheduler's ticks; the size rule must add up all a
// server keeps, so it runs at the first tick of each hour.

const DAY_MS = 24 * 60 * 60 * 1000;
const MB = 1024 * 1024;
// Rows a batch reads and changes: the local runtime's SMTP sessions share the event loop, and a
// batch of 100 holds it for a few milliseconds.
const BATCH = 100;

export interface RetentionReport {
  rawMessagesRemoved: number;
  messagesDeleted: number;
  /** False when the time budget ran out with work left; the next run continues. */
  complete: boolean;
}

/** One server's part of a run. */
interface Pass {
  ctx: AppContext;
  serverId: number;
  /** Hands the event loop back for a turn, then says whether the budget allows another batch. */
  goOn(): Promise<boolean>;
}

interface Settings {
  id: number;
  message_retention_days: number | null;
  raw_message_retention_days: number | null;
  raw_message_retention_size: number | null;
}

export async function applyRetention(ctx: AppContext, deadline: number): Promise<RetentionReport> {
  const report: RetentionReport = { rawMessagesRemoved: 0, messagesDeleted: 0, complete: true };
  const servers: Settings[] = await ctx.db
    .selectFrom('servers')
    .select(['id', 'message_retention_days', 'raw_message_retention_days', 'raw_message_retention_size'])
    .where('deleted_at', 'is', null)
    .execute();
  const now = ctx.clock.now();
  const sizeRuleDue = new Date(now).getUTCMinutes() === 0;
  const outOfTime = () => ctx.clock.now() >= deadline;
  const goOn = async () => {
    await nextTurn();
    return !outOfTime();
  };
  for (const server of servers) {
    const pass: Pass = { ctx, serverId: server.id, goOn };
    if (server.message_retention_days !== null) {
      const cutoff = now - server.message_retention_days * DAY_MS;
      report.messagesDeleted += await deleteOldMessages(pass, cutoff);
    }
    if (server.raw_message_retention_days !== null) {
      const before = rawMessageDay(now - server.raw_message_retention_days * DAY_MS);
      report.rawMessagesRemoved += await removeRawBefore(pass, before);
    }
    if (sizeRuleDue && server.raw_message_retention_size !== null) {
      report.rawMessagesRemoved += await removeRawAbove(pass, server.raw_message_retention_size * MB);
    }
    if (outOfTime()) {
      report.complete = false;
      break;
    }
  }
  if (report.rawMessagesRemoved + report.messagesDeleted > 0)
    ctx.logger.info('retention applied', { ...report });
  return report;
}

/** Deletes the finished messages accepted before `cutoff`; resolves with how many. */
async function deleteOldMessages({ ctx, serverId, goOn }: Pass, cutoff: number): Promise<number> {
  let deleted = 0;
  for (const scope of ['outgoing', 'incoming'] as const) {
    while (await goOn()) {
      const messages = await ctx.db
        .selectFrom('messages')
        .select(['id', 'raw_key'])
        .where('server_id', '=', serverId)
        .where('scope', '=', scope)
        .where('timestamp', '<', cutoff)
        .where('status', 'not in', UNFINISHED_STATUSES)
        .orderBy('timestamp')
        .limit(BATCH)
        .execute();
      await deleteMessages(ctx, serverId, messages);
      deleted += messages.length;
      if (messages.length < BATCH) break;
    }
  }
  return deleted;
}

/** The server's raw keys after `after`, oldest day first, each with its size. */
function rawKeysAfter({ ctx, serverId }: Pass, after: string, before?: string) {
  let query = ctx.db
    .selectFrom('messages')
    .select(({ fn }) => ['raw_key', fn.max('size').as('size')])
    .where('server_id', '=', serverId)
    .where('raw_key', '>', after);
  if (before !== undefined) query = query.where('raw_key', '<', before);
  return query.groupBy('raw_key').orderBy('raw_key').limit(BATCH).execute();
}

/** Removes the raw messages whose keys sort before `before` (earlier days); resolves with how many. */
async function removeRawBefore(pass: Pass, before: string): Promise<number> {
  const { ctx, serverId, goOn } = pass;
  let removed = 0;
  for (let after = ''; await goOn();) {
    const page = await rawKeysAfter(pass, after, before);
    const keys = page.flatMap((row) => row.raw_key ?? []);
    removed += (await removeRawMessages(ctx, serverId, keys)).length;
    if (page.length < BATCH) break;
    after = keys.at(-1)!;
  }
  return removed;
}

/** Removes the oldest raw messages until the rest add up to `limit` bytes or less. */
async function removeRawAbove(pass: Pass, limit: number): Promise<number> {
  const { ctx, serverId, goOn } = pass;
  const sizes = ctx.db
    .selectFrom('messages')
    .select(({ fn }) => fn.max('size').as('size'))
    .where('server_id', '=', serverId)
    .where('raw_key', 'is not', null)
    .groupBy('raw_key')
    .as('sizes');
  const total = await ctx.db
    .selectFrom(sizes)
    .select(({ fn }) => fn.sum('sizes.size').as('total'))
    .executeTakeFirst();
  let excess = Number(total?.total ?? 0) - limit;
  let removed = 0;
  for (let after = ''; excess > 0 && (await goOn());) {
    const page = await rawKeysAfter(pass, after);
    if (page.length === 0) break;
    const sizeOf = new Map<string, number>();
    let planned = 0;
    for (const row of page) {
      if (row.raw_key === null || planned >= excess) break;
      sizeOf.set(row.raw_key, Number(row.size ?? 0));
      planned += Number(row.size ?? 0);
    }
    const keys = [...sizeOf.keys()];
    for (const key of await removeRawMessages(ctx, serverId, keys)) {
      excess -= sizeOf.get(key)!;
      removed += 1;
    }
    after = keys.at(-1)!;
  }
  return removed;
}
