import type { AppContext } from '../context.ts';
import type { BatchMemo } from '../messages/batch-memo.ts';
import type { Row } from '../db/schema.ts';
import { addDelivery } from '../messages/message-deliveries.ts';
import { emitMessageEvent } from '../messages/message-events.ts';
import { MAX_QUEUE_DELAY_SECONDS, PROCESS_QUEUE, processJob } from '../messages/process-job.ts';
import { incrementStats } from '../stats/message-stats.ts';
import { addSuppression, removeSuppression } from '../suppressions/suppressions.ts';
import type { DeliveryResult } from './delivery-result.ts';
import { retryDelaySeconds } from './retry-schedule.ts';

const DAY = 86_400_000;

export interface RecordOutcome {
  /** The result was new; false when it had been recorded before (a redelivered result). */
  recorded: boolean;
  retryAt: number | null;
}

/**
 * The results stage: records one attempt's result as a delivery row and the message's status,
 * updates the suppression list and the statistics, then queues what follows (the retry, the
 * webhook event). The row is keyed by (message, attempt), so a result handled twice is recorded
 * once; what follows is sent again, and both the process stage and webhook receivers (by event
 * uuid) ignore what they have seen.
 */
export async function recordResult(
  ctx: AppContext,
  result: DeliveryResult,
  memo?: BatchMemo,
): Promise<RecordOutcome> {
  const message = await ctx.db
    .selectFrom('messages')
    .selectAll()
    .where('id', '=', result.messageId)
    .executeTakeFirst();
  if (!message) {
    ctx.logger.warn('result for a message that no longer exists', { messageId: result.messageId });
    return { recorded: false, retryAt: null };
  }
  const delivery = {
    status: result.status,
    details: result.details,
    output: result.output,
    secure: result.secure,
    attempt: result.attempt,
    durationMs: result.durationMs,
  };
  const recorded = await ctx.db.transaction().execute(async (trx) => {
    const inserted = await addDelivery(trx, message, { ...delivery, logId: result.logId }, result.finishedAt);
    if (!inserted) return false;
    await trx
      .updateTable('messages')
      .set({ status: result.status, last_delivery_attempt: result.finishedAt })
      .where('id', '=', message.id)
      .where('status', 'not in', ['Bounced'])
      .execute();
    // The suppression list is about recipients of outgoing mail (Postal §4.7).
    const outgoing = message.scope === 'outgoing';
    if (outgoing && result.status === 'Sent')
      await removeSuppression(trx, message.server_id, message.rcpt_to);
    if (result.status === 'HardFail') {
      await incrementStats(trx, ctx.dialect, message.server_id, result.finishedAt, { bounces: 1 });
      if (outgoing && (await earlierHardFails(trx, message, result)) > 0) {
        await addSuppression(
          trx,
          ctx.clock,
          message.server_id,
          message.rcpt_to,
          'too many hard fails',
          'automatic',
        );
      }
    }
    return true;
  });

  const retryAt =
    result.status === 'SoftFail'
      ? result.finishedAt +
        retryDelaySeconds(result.attempt - result.firstAttempt + 1, result.retryAfterSeconds) * 1000
      : null;
  if (retryAt !== null) {
    const delay = Math.max(0, Math.ceil((retryAt - ctx.clock.now()) / 1000));
    await ctx.queue.send(
      PROCESS_QUEUE,
      JSON.stringify(
        processJob(message.id, result.attempt + 1, { notBefore: retryAt, firstAttempt: result.firstAttempt }),
      ),
      {
        delaySeconds: Math.min(delay, MAX_QUEUE_DELAY_SECONDS),
      },
    );
  }
  await emitMessageEvent(ctx, message, { ...delivery, timestamp: result.finishedAt }, memo);
  return { recorded, retryAt };
}

/** Hard fails of outgoing mail to the same address in the 24 hours before this one, on the same server. */
async function earlierHardFails(
  trx: AppContext['db'],
  message: Row<'messages'>,
  result: DeliveryResult,
): Promise<number> {
  const row = await trx
    .selectFrom('deliveries')
    .innerJoin('messages', 'messages.id', 'deliveries.message_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('messages.server_id', '=', message.server_id)
    .where('messages.scope', '=', 'outgoing')
    .where('messages.rcpt_to', '=', message.rcpt_to)
    .where('deliveries.status', '=', 'HardFail')
    .where('deliveries.timestamp', '>', result.finishedAt - DAY)
    .where((eb) =>
      eb.not(
        eb.and([eb('deliveries.message_id', '=', message.id), eb('deliveries.attempt', '=', result.attempt)]),
      ),
    )
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
