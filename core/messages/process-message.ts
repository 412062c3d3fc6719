import type { AppContext } from '../context.ts';
import type { BatchMemo } from './batch-memo.ts';
import type { ProcessJob } from './process-job.ts';
import { processIncoming } from './process-incoming.ts';
import { processOutgoing } from './process-outgoing.ts';
import { loadProcessState, type ProcessOutcome } from './process-state.ts';

/** The process stage: one job, one message, outgoing or incoming. */
export async function processMessage(
  ctx: AppContext,
  job: ProcessJob,
  memo?: BatchMemo,
): Promise<ProcessOutcome> {
  const state = await loadProcessState(ctx, job, memo);
  if (!state) return { outcome: 'skipped', reason: 'the message or its server no longer exists' };
  const outcome =
    state.message.scope === 'outgoing' ? await processOutgoing(state) : await processIncoming(state);
  state.log.debug('processed', { ...outcome });
  return outcome;
}
