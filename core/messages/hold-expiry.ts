import type { AppContext } from '../context.ts';
import { cancelHold } from './holds.ts';

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
      if (await cancelHold(ctx, message, 'The hold expired')) expired += 1;
    }
  }
  return expired;
}
