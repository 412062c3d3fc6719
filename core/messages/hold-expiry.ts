import type { AppContext } from '../context.ts';
import { addDelivery } from './message-deliveries.ts';

const BATCH = 500;

/** Held mail not released within its hold expiry is cancelled, as Postal's hourly task does. */
export async function expireHolds(ctx: AppContext, deadline: number): Promise<number> {
  let expired = 0;
  while (ctx.clock.now() < deadline) {
    const now = ctx.clock.now();
    const messages = await ctx.db
      .selectFrom('messages')
      .selectAll()
      .where('held', '=', 1)
      .where('hold_expiry', '<', now)
      .limit(BATCH)
      .execute();
    if (messages.length === 0) break;
    for (const message of messages) {
      await ctx.db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('messages')
          .set({ status: 'HoldCancelled', held: 0, hold_expiry: null })
          .where('id', '=', message.id)
          .where('held', '=', 1)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) > 0) {
          await addDelivery(trx, message, { status: 'HoldCancelled', details: 'The hold expired' }, now);
          expired += 1;
        }
      });
    }
  }
  return expired;
}
