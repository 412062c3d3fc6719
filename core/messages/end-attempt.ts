import type { Db } from '../db/database.ts';
import type { Row } from '../db/schema.ts';
import { addDelivery } from './message-deliveries.ts';
import { emitMessageEvent } from './message-events.ts';
import type { ProcessState } from './process-state.ts';

// How a process job ends its attempt with a final status, for incoming and outgoing mail alike:
// the message's status and a delivery row saying why, in one transaction, then the webhook event
// (MessageDeliveryFailed for a HardFail). Conditional on the message still waiting for this
// attempt, so that a job that runs twice ends it once.

export interface AttemptEnding {
  status: 'Processed' | 'HardFail';
  details: string;
  /** Columns set beside the status. */
  set?: Partial<Row<'messages'>>;
  /** Written in the same transaction, when this run is the one that ends the attempt. */
  alsoIn?: (trx: Db) => Promise<unknown>;
  /**
   * Whether a step of this job may already have claimed the attempt (the outgoing stage's claim,
   * which a run that died may have left behind): the message may then be at this attempt already,
   * not yet ended.
   */
  mayBeClaimed?: boolean;
}

/** True when this run ended the attempt; false when the message had moved on. */
export async function endAttempt(state: ProcessState, ending: AttemptEnding): Promise<boolean> {
  const { ctx, message, job } = state;
  const entry = { status: ending.status, details: ending.details, attempt: job.attempt };
  const ended = await ctx.db.transaction().execute(async (trx) => {
    const update = trx
      .updateTable('messages')
      .set({ ...ending.set, status: ending.status, attempt: job.attempt, held: 0 })
      .where('id', '=', message.id);
    const updated = await (
      ending.mayBeClaimed
        ? update.where('attempt', 'in', [job.attempt - 1, job.attempt]).where('status', '!=', ending.status)
        : update.where('attempt', '=', job.attempt - 1)
    ).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return false;
    await addDelivery(trx, message, entry, ctx.clock.now());
    await ending.alsoIn?.(trx);
    return true;
  });
  if (ended) await emitMessageEvent(ctx, message, entry, state.memo);
  return ended;
}
