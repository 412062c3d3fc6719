import type { AppContext } from '../context.ts';
import type { Db } from '../db/database.ts';
import type { Actor } from '../auth/actor.ts';
import { recordAudit, type AuditEntry } from '../audit/audit-log.ts';
import { bumpPolicyVersion } from '../policy/policy-version.ts';

export interface MutationOutcome<T> {
  result: T;
  audit: AuditEntry;
}

/**
 * Runs one management change: the change, its audit row and (when SMTP acceptance may change)
 * the policy version bump commit together; the snapshot is rebuilt after the commit, before the
 * caller answers, so the edge sees the change at once.
 */
export async function mutate<T>(
  ctx: AppContext,
  actor: Actor | null,
  options: { affectsPolicy: boolean },
  work: (trx: Db) => Promise<MutationOutcome<T>>,
): Promise<T> {
  const result = await ctx.db.transaction().execute(async (trx) => {
    const outcome = await work(trx);
    await recordAudit(trx, ctx, actor, outcome.audit);
    if (options.affectsPolicy) await bumpPolicyVersion(trx, ctx.clock.now());
    return outcome.result;
  });
  if (options.affectsPolicy) {
    // The change is committed; a failed rebuild is repaired by the scheduler's reconcile.
    await ctx.policy.publish().catch((error: unknown) => {
      ctx.logger.error('policy snapshot rebuild failed', { error: String(error) });
    });
  }
  return result;
}
