import type { AppContext } from '../context.ts';
import { redactUrl } from '../routing/target-schemas.ts';
import { postWebhook, succeeded, type PostOptions, type WebhookResponse } from './post-webhook.ts';
import { webhookEnvelope, type WebhookJob } from './webhook-job.ts';

// One attempt at one webhook job: post it, log the attempt as a webhook_requests row, and say
// when to try again. The caller makes the queue message visible again then (ARCHITECTURE
// principle 6); nothing here waits.

/** Postal's waits after the 1st to 5th failed attempts. */
export const POSTAL_RETRY_MINUTES = [2, 3, 6, 10, 15] as const;
/** After those, hourly, as long as the next attempt falls within a day of the first. */
const LATER_RETRY_MINUTES = 60;
const GIVE_UP_AFTER_MS = 24 * 60 * 60 * 1000;
/** Response bodies are logged up to 1 KB. */
const LOGGED_BODY_BYTES = 1024;

export interface Attempt {
  /** 1 for the first attempt. */
  number: number;
  /** When the first attempt was made, epoch ms. */
  firstAttemptAt: number;
}

export type AttemptOutcome =
  | { status: 'delivered' }
  | { status: 'retry'; delaySeconds: number }
  | { status: 'given_up' }
  | { status: 'dropped'; reason: string };

/** Seconds to wait after `attempt` failed at `now`, or null to give up. */
export function retryDelaySeconds(attempt: Attempt, now: number): number | null {
  const minutes = POSTAL_RETRY_MINUTES[attempt.number - 1] ?? LATER_RETRY_MINUTES;
  const delayMs = minutes * 60_000;
  return now + delayMs <= attempt.firstAttemptAt + GIVE_UP_AFTER_MS ? delayMs / 1000 : null;
}

export async function deliverWebhookJob(
  ctx: AppContext,
  job: WebhookJob,
  attempt: Attempt,
  options: Partial<PostOptions> = {},
): Promise<AttemptOutcome> {
  const log = ctx.logger.child({
    component: 'webhooks',
    event: job.event,
    eventUuid: job.eventUuid,
    webhookId: job.webhookId,
    attempt: attempt.number,
  });
  const webhook = await ctx.db
    .selectFrom('webhooks')
    .innerJoin('servers', 'servers.id', 'webhooks.server_id')
    .select(['webhooks.id', 'webhooks.url'])
    .where('webhooks.id', '=', job.webhookId)
    .where('webhooks.server_id', '=', job.serverId)
    .where('servers.deleted_at', 'is', null)
    .executeTakeFirst();
  // A disabled webhook still gets what was queued before, as in Postal; a deleted one cannot.
  if (!webhook) {
    log.info('webhook no longer exists; event dropped');
    return { status: 'dropped', reason: 'webhook deleted' };
  }
  const body = webhookEnvelope(job);
  const response = await postWebhook(ctx, webhook.url, body, {
    bodyLimitBytes: LOGGED_BODY_BYTES,
    ...options,
  });
  const now = ctx.clock.now();
  const delivered = succeeded(response);
  const delaySeconds = delivered ? null : retryDelaySeconds(attempt, now);
  await recordAttempt(ctx, job, { id: webhook.id, url: webhook.url }, body, response, attempt.number, {
    willRetry: delaySeconds !== null,
    now,
  });
  const fields = { statusCode: response.statusCode, error: response.error };
  if (delivered) {
    log.info('webhook delivered', fields);
    return { status: 'delivered' };
  }
  if (delaySeconds !== null) {
    log.warn('webhook failed; will retry', { ...fields, retryInSeconds: delaySeconds });
    return { status: 'retry', delaySeconds };
  }
  log.error('webhook failed; giving up', fields);
  return { status: 'given_up' };
}

async function recordAttempt(
  ctx: AppContext,
  job: WebhookJob,
  webhook: { id: number; url: string },
  body: string,
  response: WebhookResponse,
  attempt: number,
  outcome: { willRetry: boolean; now: number },
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('webhook_requests')
      .values({
        uuid: ctx.ids.uuid(),
        server_id: job.serverId,
        webhook_id: webhook.id,
        event_uuid: job.eventUuid,
        event: job.event,
        // The history is shown to every member: never the basic-auth password.
        url: redactUrl(webhook.url),
        // The exact body sent, so a receiver's signature check can be reproduced and replayed.
        payload: body,
        attempt,
        status_code: response.statusCode,
        response_body: response.body,
        error: response.error,
        will_retry: outcome.willRetry ? 1 : 0,
        timestamp: outcome.now,
      })
      .execute();
    if (succeeded(response)) {
      await trx
        .updateTable('webhooks')
        .set({ last_used_at: outcome.now })
        .where('id', '=', webhook.id)
        .execute();
    }
  });
}
