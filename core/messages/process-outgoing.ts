import type { Db } from '../db/database.ts';
import { DeliveryJob, deliveryQueueName } from '../delivery/delivery-job.ts';
import { returnPathAddress, returnPathDomain } from '../delivery/return-path.ts';
import { chooseSource } from '../delivery/source-address.ts';
import { parseHeaderBlock } from '../mail/header-block.ts';
import { senderHeadersOf } from './raw-headers.ts';
import { incrementLiveStats, liveCount } from '../stats/message-stats.ts';
import { activeSuppression, addSuppression } from '../suppressions/suppressions.ts';
import { holdForJob, holdIfDevelopmentMode, holdIfSuspended } from './holds.ts';
import { endAttempt } from './end-attempt.ts';
import { sendingDomain, staleManualJob } from './process-state.ts';
import { prepareMessage, type PreparedMessage } from './prepare-message.ts';
import type { ProcessOutcome, ProcessState } from './process-state.ts';

// The process stage for outgoing mail, as Postal's outgoing processor: a list of named steps,
// each either passing (null) or ending the job with a recorded status and a reason. Every
// state change is conditional on the message still waiting for this attempt, so a job that
// runs twice changes nothing the second time.

export const MAX_ATTEMPTS = 18;

type Step = (state: ProcessState) => Promise<ProcessOutcome | null>;

/** The prepared message, and what the delivery job needs of the original. */
interface Prepared extends PreparedMessage {
  /** The From addresses, for the IP pool rules. */
  from: readonly string[];
}

export async function processOutgoing(state: ProcessState): Promise<ProcessOutcome> {
  if (state.message.attempt === state.job.attempt) return resumeClaimed(state);
  const early = await firstOutcome(state, [
    skipIfHandled,
    holdIfSuspended,
    failIfTooManyAttempts,
    holdIfCredentialHolds,
    holdIfSuppressed,
  ]);
  if (early) return early;
  // Signed before the last holds, as Postal does: mail held by the send limit or Development
  // mode has been processed in full, and a release sends it as it was held.
  const prepared = await prepare(state);
  if ('outcome' in prepared) return prepared;
  const late = await firstOutcome(state, [holdIfSendLimitReached, holdInDevelopmentMode]);
  return late ?? handToDelivery(state, prepared);
}

async function firstOutcome(state: ProcessState, steps: readonly Step[]): Promise<ProcessOutcome | null> {
  for (const step of steps) {
    const outcome = await step(state);
    if (outcome) return outcome;
  }
  return null;
}

/**
 * The attempt was claimed by an earlier run, which may have died before queueing the delivery
 * job: queue it again unless a result exists. The holds were passed when it was claimed.
 */
async function resumeClaimed(state: ProcessState): Promise<ProcessOutcome> {
  const { ctx, message, job } = state;
  const result = await ctx.db
    .selectFrom('deliveries')
    .select('id')
    .where('message_id', '=', message.id)
    .where('attempt', '=', job.attempt)
    .executeTakeFirst();
  if (result || message.status === 'HardFail')
    return { outcome: 'skipped', reason: 'this attempt has a result' };
  const prepared = await prepare(state);
  return 'outcome' in prepared ? prepared : handToDelivery(state, prepared);
}

async function skipIfHandled({ job, message, server }: ProcessState): Promise<ProcessOutcome | null> {
  if (server.deleted_at !== null) return { outcome: 'skipped', reason: 'the server was deleted' };
  if (message.attempt !== job.attempt - 1) return { outcome: 'skipped', reason: 'not the next attempt' };
  if (message.held === 1 && !job.manual) return { outcome: 'skipped', reason: 'the message is held' };
  const stale = staleManualJob(job, message);
  if (stale) return { outcome: 'skipped', reason: stale };
  if (['Sent', 'HardFail', 'HoldCancelled', 'Bounced'].includes(message.status) && !job.manual) {
    return { outcome: 'skipped', reason: `the message is ${message.status}` };
  }
  return null;
}

async function hold(state: ProcessState, reason: string, countLive = false): Promise<ProcessOutcome> {
  return holdForJob(state, reason, sendLimitCount(state, countLive));
}

/** A hold's options that count the message toward the send limit, when `countLive`. */
function sendLimitCount(state: ProcessState, countLive: boolean) {
  const { ctx, message } = state;
  return {
    countLive: countLive
      ? (trx: Db) => incrementLiveStats(trx, ctx.dialect, message.server_id, 'outgoing', ctx.clock.now())
      : undefined,
  };
}

async function failIfTooManyAttempts(state: ProcessState): Promise<ProcessOutcome | null> {
  if (state.job.attempt - state.job.firstAttempt < MAX_ATTEMPTS) return null;
  const { ctx, message } = state;
  return fail(state, `Maximum number of delivery attempts (${MAX_ATTEMPTS}) has been reached`, (trx) =>
    addSuppression(trx, ctx.clock, message.server_id, message.rcpt_to, 'too many soft fails', 'automatic'),
  );
}

async function holdIfCredentialHolds(state: ProcessState): Promise<ProcessOutcome | null> {
  const { ctx, message, job } = state;
  if (job.manual || message.credential_id === null) return null;
  const credentialId = message.credential_id;
  const credential = await state.memo.get(`credential:${credentialId}`, () =>
    ctx.db.selectFrom('credentials').select('hold').where('id', '=', credentialId).executeTakeFirst(),
  );
  if (credential?.hold !== 1) return null;
  return hold(state, 'Credential is configured to hold all messages authenticated by it');
}

async function holdIfSuppressed(state: ProcessState): Promise<ProcessOutcome | null> {
  const { ctx, message, job } = state;
  if (job.manual) return null;
  const entry = await activeSuppression(ctx.db, ctx.clock, message.server_id, message.rcpt_to);
  if (!entry) return null;
  return hold(state, `Recipient (${message.rcpt_to}) is on the suppression list (reason: ${entry.reason})`);
}

async function holdIfSendLimitReached(state: ProcessState): Promise<ProcessOutcome | null> {
  const { ctx, server } = state;
  if (server.send_limit === null) return null;
  const now = ctx.clock.now();
  const sent = await liveCount(ctx.db, server.id, 'outgoing', now);
  if (sent >= server.send_limit) {
    await ctx.db
      .updateTable('servers')
      .set({ send_limit_exceeded_at: now })
      .where('id', '=', server.id)
      .execute();
    return hold(state, `Message held because send limit (${server.send_limit}) has been reached.`);
  }
  if (sent >= server.send_limit * 0.9) {
    await ctx.db
      .updateTable('servers')
      .set({ send_limit_approaching_at: now })
      .where('id', '=', server.id)
      .execute();
  }
  return null;
}

async function holdInDevelopmentMode(state: ProcessState): Promise<ProcessOutcome | null> {
  return holdIfDevelopmentMode(state, sendLimitCount(state, state.job.attempt === 1));
}

/** Ends this attempt with a HardFail, and whatever `alsoIn` writes in the same transaction. */
async function fail(
  state: ProcessState,
  reason: string,
  alsoIn?: (trx: Db) => Promise<unknown>,
): Promise<ProcessOutcome> {
  const failed = await endAttempt(state, { status: 'HardFail', details: reason, alsoIn, mayBeClaimed: true });
  return { outcome: failed ? 'failed' : 'skipped', reason };
}

/**
 * Postal's step 7: the message as it will leave, with X-Postal-MsgID and a DKIM signature, kept
 * in the blob store for this and every later attempt.
 */
async function prepare(state: ProcessState): Promise<Prepared | ProcessOutcome> {
  const { ctx, message } = state;
  const raw = message.raw_key === null ? null : await ctx.blobs.get(message.raw_key);
  if (!raw || raw === 'not-modified') return fail(state, 'The raw message is no longer available');
  const headers = parseHeaderBlock(raw.body);
  return { ...(await prepareMessage(state, raw.body, headers)), from: senderHeadersOf(headers).from };
}

/**
 * Claims the attempt and queues the delivery job. If a run dies after the claim, the next run
 * finds the attempt claimed with no result and sends the job again; the delivery worker's claim
 * in the blob store keeps a duplicate job from sending twice.
 */
async function handToDelivery(state: ProcessState, prepared: Prepared): Promise<ProcessOutcome> {
  const { ctx, message, server, job } = state;
  const source = (await chooseSource(
    ctx.db,
    server,
    { from: prepared.from, rcptTo: message.rcpt_to },
    ctx.installation.hostname,
    state.memo,
  )) ?? { pool: 'default', ipv4: null, ipv6: null, hostname: ctx.installation.hostname };
  const mailFrom = message.bounce === 1 ? '' : await envelopeSender(state);
  const now = ctx.clock.now();

  if (message.attempt === job.attempt - 1) {
    // A column in an update's SET list has its index entries written again even when its value
    // stays, so a message that is not held has only its attempt set, on condition that it is
    // still not held: if another run held it meanwhile, that run's hold stands.
    const releasing = message.held === 1 || message.hold_expiry !== null || message.status === 'Held';
    const claimed = await ctx.db.transaction().execute(async (trx) => {
      const claim = trx
        .updateTable('messages')
        .set({ attempt: job.attempt })
        .where('id', '=', message.id)
        .where('attempt', '=', job.attempt - 1);
      const updated = await (
        releasing
          ? claim.set({
              held: 0,
              hold_expiry: null,
              status: message.status === 'Held' ? 'Pending' : message.status,
            })
          : claim.where('held', '=', 0)
      ).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return false;
      if (job.attempt === 1 && !job.manual)
        await incrementLiveStats(trx, ctx.dialect, server.id, 'outgoing', now);
      return true;
    });
    if (!claimed) return { outcome: 'skipped', reason: 'another run claimed this attempt' };
  }

  const delivery = DeliveryJob.parse({
    version: 1,
    messageId: message.id,
    serverId: server.id,
    attempt: job.attempt,
    firstAttempt: job.firstAttempt,
    mailFrom,
    rcptTo: message.rcpt_to,
    preparedKey: prepared.key,
    domain: message.rcpt_to.slice(message.rcpt_to.lastIndexOf('@') + 1).toLowerCase(),
    relay: null,
    source: { ipv4: source.ipv4, ipv6: source.ipv6, hostname: source.hostname },
    needsSmtputf8: prepared.needsSmtputf8,
    queuedAt: now,
  } satisfies DeliveryJob);
  await ctx.queue.send(deliveryQueueName(source.pool), JSON.stringify(delivery));
  state.log.info('message queued for delivery', { pool: source.pool });
  return { outcome: 'queued', reason: `queued for delivery from pool ${source.pool}` };
}

async function envelopeSender(state: ProcessState): Promise<string> {
  const { ctx, message, server } = state;
  const domain = await sendingDomain(state, message.domain_id);
  const host = returnPathDomain({
    domain: domain ? { name: domain.name, returnPathOk: domain.return_path_status === 'OK' } : null,
    installationReturnPathDomain: ctx.installation.returnPathDomain,
  });
  return returnPathAddress(ctx.keys, server.token, message.id, host);
}
