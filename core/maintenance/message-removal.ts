import type { AppContext } from '../context.ts';
import type { Database, MessageStatus } from '../db/schema.ts';
import { preparedKey } from '../messages/prepare-message.ts';

// Removing messages, or only the bodies kept for them: the raw message (shared by every recipient
// of one submission) and each recipient's prepared copy (prepare-message.ts). Blobs go before the
// rows that name them, so a crash in between leaves rows that the next run removes again, never a
// blob that no row names.

/** A message that may still be sent or routed: its raw message stays, whatever retention says. */
export const UNFINISHED_STATUSES: readonly MessageStatus[] = ['Pending', 'SoftFail', 'Held'];

type MessageTable = keyof Database & ('deliveries' | 'links' | 'clicks' | 'loads' | 'spam_checks');
const messageTables: readonly MessageTable[] = ['deliveries', 'links', 'clicks', 'loads', 'spam_checks'];

// Blob deletes in flight at once: one group commit locally, a bounded burst of requests to S3.
const DELETES_AT_ONCE = 50;

async function deleteBlobs(ctx: AppContext, keys: readonly string[]): Promise<void> {
  for (let start = 0; start < keys.length; start += DELETES_AT_ONCE) {
    await Promise.all(keys.slice(start, start + DELETES_AT_ONCE).map((key) => ctx.blobs.delete(key)));
  }
}

/**
 * Deletes messages of a server with their deliveries, links, clicks, loads and spam checks, their
 * prepared copies, and each raw message that no other message of the server still names.
 */
export async function deleteMessages(
  ctx: AppContext,
  serverId: number,
  messages: readonly { id: number; raw_key: string | null }[],
): Promise<void> {
  if (messages.length === 0) return;
  const ids = messages.map((message) => message.id);
  const rawKeys = [...new Set(messages.flatMap((message) => message.raw_key ?? []))];
  const stillNamed =
    rawKeys.length === 0
      ? []
      : await ctx.db
          .selectFrom('messages')
          .select('raw_key')
          .where('server_id', '=', serverId)
          .where('raw_key', 'in', rawKeys)
          .where('id', 'not in', ids)
          .execute();
  const kept = new Set(stillNamed.map((row) => row.raw_key));
  await deleteBlobs(ctx, [...rawKeys.filter((key) => !kept.has(key)), ...ids.map(preparedKey)]);
  await ctx.db.transaction().execute(async (trx) => {
    for (const table of messageTables) await trx.deleteFrom(table).where('message_id', 'in', ids).execute();
    await trx.deleteFrom('messages').where('id', 'in', ids).execute();
  });
}

/**
 * Removes raw messages of a server, and the prepared copies of the messages that name them, as
 * Postal's retention drops raw tables: the messages stay, with no raw message. A raw message that
 * a message still being sent or routed names is kept. Resolves with the keys removed.
 */
export async function removeRawMessages(
  ctx: AppContext,
  serverId: number,
  rawKeys: readonly string[],
): Promise<string[]> {
  if (rawKeys.length === 0) return [];
  const named = await ctx.db
    .selectFrom('messages')
    .select(['id', 'raw_key', 'status'])
    .where('server_id', '=', serverId)
    .where('raw_key', 'in', rawKeys)
    .execute();
  const inUse = new Set(
    named.filter((row) => UNFINISHED_STATUSES.includes(row.status)).map((row) => row.raw_key),
  );
  const removed = rawKeys.filter((key) => !inUse.has(key));
  if (removed.length === 0) return [];
  const gone = new Set(removed);
  const ids = named.filter((row) => row.raw_key !== null && gone.has(row.raw_key)).map((row) => row.id);
  await deleteBlobs(ctx, [...removed, ...ids.map(preparedKey)]);
  await ctx.db
    .updateTable('messages')
    .set({ raw_key: null })
    .where('server_id', '=', serverId)
    .where('raw_key', 'in', removed)
    .execute();
  return removed;
}
