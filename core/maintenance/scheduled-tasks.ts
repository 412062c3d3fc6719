import type { AppContext } from '../context.ts';
import { pruneSessions } from '../auth/sessions.ts';
import { pruneThrottles } from '../auth/throttle.ts';
import { recheckDomains } from '../domains/dns-recheck.ts';
import { expireHolds } from '../messages/hold-expiry.ts';
import { notifySendLimits } from '../servers/send-limit-notifications.ts';
import { pruneLiveStats } from '../stats/message-stats.ts';
import { pruneExpiredSuppressions } from '../suppressions/suppressions.ts';
import { pruneWebhookRequests } from '../webhooks/webhook-requests.ts';
import { applyRetention } from './message-retention.ts';
import { purgeDeleted } from './purge-deleted.ts';

// What the scheduler runs each minute. Each task is cheap when there is nothing to do, so running
// every task every minute is simpler than keeping per-task timetables.

export interface ScheduledTask {
  name: string;
  run(ctx: AppContext, deadline: number): Promise<unknown>;
}

export const scheduledTasks: readonly ScheduledTask[] = [
  { name: 'policy-snapshot-reconcile', run: (ctx) => ctx.policy.publish() },
  { name: 'session-prune', run: (ctx) => pruneSessions(ctx) },
  { name: 'throttle-prune', run: (ctx) => pruneThrottles(ctx.db, ctx.clock.now(), 24 * 60 * 60 * 1000) },
  { name: 'send-limit-notifications', run: (ctx) => notifySendLimits(ctx) },
  { name: 'hold-expiry', run: (ctx, deadline) => expireHolds(ctx, deadline) },
  { name: 'domain-dns-recheck', run: (ctx, deadline) => recheckDomains(ctx, deadline) },
  { name: 'suppression-prune', run: (ctx) => pruneExpiredSuppressions(ctx.db, ctx.clock.now()) },
  { name: 'live-stats-prune', run: (ctx) => pruneLiveStats(ctx.db, ctx.clock.now()) },
  { name: 'webhook-request-prune', run: (ctx) => pruneWebhookRequests(ctx.db, ctx.clock.now()) },
  { name: 'purge-deleted', run: (ctx, deadline) => purgeDeleted(ctx, deadline) },
  { name: 'message-retention', run: (ctx, deadline) => applyRetention(ctx, deadline) },
];

/** Runs every task; one failing does not stop the others. */
export async function runScheduledTasks(ctx: AppContext, budgetMs: number): Promise<Record<string, string>> {
  const deadline = ctx.clock.now() + budgetMs;
  const outcome: Record<string, string> = {};
  for (const task of scheduledTasks) {
    try {
      await task.run(ctx, deadline);
      outcome[task.name] = 'ok';
    } catch (error) {
      outcome[task.name] = 'failed';
      ctx.logger.error('scheduled task failed', { task: task.name, error: String(error) });
    }
  }
  return outcome;
}
