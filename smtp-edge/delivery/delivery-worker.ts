import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { DeliveryJob, SmtpRelay } from '../../core/delivery/delivery-job.ts';
import { DeliveryResult, RESULTS_QUEUE, type DeliveryOutcome } from '../../core/delivery/delivery-result.ts';
import { resolveDestinations, type AddressFamilies } from '../../core/delivery/mx-resolution.ts';
import { isRateLimitReply, parseReply, retryHintSeconds } from '../../core/delivery/smtp-reply.ts';
import { isPrivateAddress } from '../../core/net/target-address.ts';
import { pooledRandomBytes } from '../../core/random-pool.ts';
import type {
  BlobStore,
  Clock,
  Dns,
  Logger,
  Queue,
  QueueMessage,
  SmtpSendResult,
  SmtpTarget,
  SmtpTransport,
} from '../../core/ports.ts';
import { DestinationLimiter, SlotWaitAborted, type SlotOutcome } from './destination-limiter.ts';

// The edge's delivery worker: takes DeliveryJobs from `deliver-<pool>`, hands each prepared
// message to the first host that answers (an SMTP endpoint's relay, the configured smarthosts,
// or the recipient domain's MX hosts), and reports one DeliveryResult per attempt on "results".
// It reads the blob store and the queues only; the results stage records what happened.
//
// Exactly-once sending, as far as SMTP allows (ARCHITECTURE principle 3). Queues deliver at least
// once, and the process stage may enqueue the same (message, attempt) twice after a crash, so
// every attempt is claimed in the blob store before anything is sent, under
// `claims/<messageId>-<attempt>`:
//
//   - No claim: create it with `ifNoneMatch: '*'` as {state: 'sending', leaseUntil, queueMessageId}.
//     The lease runs for the visibility timeout and is renewed (with `ifMatch`) by the same
//     heartbeat that keeps the queue message invisible, for as long as the attempt runs.
//   - 'done': the attempt is over and its result is in the claim. Nothing is sent: the stored
//     result is queued again (the results stage records one result per attempt, so a repeat is
//     harmless, and it covers a crash between writing the claim and queueing the result) and the
//     job is deleted.
//   - 'sending', lease running, claimed through another queue message: a duplicate job whose twin
//     is alive in another worker. It is deleted; if that worker dies, its own copy comes back.
//   - 'sending', lease running, claimed through this same queue message: the message came back
//     while its first receive is still at work (its visibility lapsed). It is left alone and made
//     visible again when the lease runs out.
//   - 'sending', lease over: the worker holding it died (or stalled past its lease). The claim is
//     taken over with `ifMatch` on its etag (so only one taker wins) and the message is sent. If
//     the dead worker had already had a 250, this sends it again: the one window ARCHITECTURE
//     accepts, from the remote's 250 to the durable record of it.
//
// Once the remote has answered, the claim becomes {state: 'done', result} first, then the result
// goes to "results", then the job is deleted. With the result in the claim before it is queued,
// no crash after that write can send the message again; only a crash between the 250 and the
// write can. A failure before any SMTP traffic hands the claim back (lease set to
// zero) so the next receive can go ahead at once. Claims are small and never deleted by the
// worker (a late duplicate must still find them); they expire after CLAIM_RETENTION_DAYS.
//
// Sharing the jobs in hand between destinations. A queue hands out jobs in its own order, so a
// burst to one destination arrives as a run of jobs. Each destination has a line of jobs waiting
// for one of its slots; twice its limit is a full line (the next round). Beyond that:
//
//   - A destination that is rate limiting us (its limit halved and not yet grown back) gets no
//     more: the job goes back to the queue, delayed by deferSeconds, as a new message, so waiting
//     does not spend the receives that send a job to the dead-letter queue.
//   - Any other destination is taking mail as fast as its slots allow: the job joins the line,
//     and the worker receives nothing more until that line is back under full (or for at most
//     the poll interval), rather than hand a burst's tail back to the queue.
//   - No destination holds more than half of the jobs in hand (from receipt to the end of the
//     attempt; recording the result does not count): beyond that its jobs are put back as above,
//     so one slow destination leaves the other half to everyone else.

export interface DeliveryWorkerOptions {
  queue: Queue;
  /** `deliver-<pool>`. */
  queueName: string;
  blobs: BlobStore;
  dns: Dns;
  transport: SmtpTransport;
  clock: Clock;
  logger: Logger;
  /** POSTERN_SMTP_RELAYS (see parseSmtpRelays): when set, all mail without an endpoint relay goes there. */
  relays?: readonly SmtpRelay[];
  /** POSTERN_DELIVERY_PORT: the port MX hosts are reached on; 25. */
  deliveryPort?: number;
  /**
   * Jobs held at once, from receipt to deletion: claiming, waiting for a destination slot,
   * sending, recording. Most of a job's time in hand is spent waiting on durable writes, not on
   * the remote, so this is well above any destination's connection limit. 100.
   */
  concurrency?: number;
  /** Visibility timeout asked for on receive, renewed while a job runs; also the claim lease. 300 s. */
  visibilityTimeoutSeconds?: number;
  /** Wait between receives that found nothing; 1,000 ms. */
  pollIntervalMs?: number;
  /** Whether MX hosts and SMTP endpoints may be private, loopback or link-local addresses; false. */
  allowPrivateTargets?: boolean;
  /** Per-destination concurrency (AIMD), this worker's own; a new one with the defaults when absent. */
  limiter?: DestinationLimiter;
  /** Subscribes to "a message was sent to a queue" (the local queue's onSend) to receive at once. */
  onSend?: (listener: (queue: string) => void) => () => void;
  /** Random numbers for the MX shuffle; Math.random by default. */
  random?: () => number;
  /**
   * How long a job is put back for when its destination may not take it now (see "Sharing the
   * jobs in hand" above). At most 900 s, as SQS. 60 s.
   */
  deferSeconds?: number;
  /** Addresses tried per attempt at most, over all MX hosts; 10. */
  maxAddressesPerAttempt?: number;
}

/** Why a job was deferred: its destination is rate limiting us, or holds half of the jobs in hand. */
export type DeferralReason = 'rate_limited' | 'half_of_hand';

/** What the worker holds now, and what it has deferred since it started. */
export interface DeliveryWorkerStats {
  queue: string;
  inHand: number;
  /** Jobs in hand not yet given a destination slot (claiming, or waiting for one). */
  waitingForSlot: number;
  deferred: Record<DeferralReason, number>;
}

export interface DeliveryWorker {
  readonly limiter: DestinationLimiter;
  stats(): DeliveryWorkerStats;
  /** Stops receiving, puts back jobs still waiting for a slot, and waits for sends in flight. */
  stop(): Promise<void>;
}

const DEFERRAL_LOG: Record<DeferralReason, string> = {
  rate_limited: 'destination is rate limiting and has a full line of waiting jobs; deferring this one',
  half_of_hand: 'destination holds half of the jobs in hand; deferring this one',
};

/** The longest delay SQS gives a message sent to a queue. */
const MAX_DELAY_SECONDS = 900;

const defaults = {
  relays: [] as readonly SmtpRelay[],
  deliveryPort: 25,
  concurrency: 100,
  visibilityTimeoutSeconds: 300,
  pollIntervalMs: 1_000,
  allowPrivateTargets: false,
  deferSeconds: 60,
  maxAddressesPerAttempt: 10,
};

const Settings = z
  .object({
    queueName: z.string().min(1),
    relays: z.array(SmtpRelay).readonly(),
    deliveryPort: z.number().int().min(1).max(65_535),
    concurrency: z.number().int().positive(),
    visibilityTimeoutSeconds: z.number().int().min(3).max(43_200),
    pollIntervalMs: z.number().int().positive(),
    allowPrivateTargets: z.boolean(),
    deferSeconds: z.number().int().min(0).max(MAX_DELAY_SECONDS),
    maxAddressesPerAttempt: z.number().int().positive(),
  })
  .strict();
type Settings = z.infer<typeof Settings>;

/** SQS returns at most 10 messages per receive. */
const MAX_RECEIVE = 10;
const MAX_VISIBILITY_SECONDS = 43_200;

export const CLAIM_PREFIX = 'claims/';
export const claimKey = (messageId: number, attempt: number): string =>
  `${CLAIM_PREFIX}${messageId}-${attempt}`;

/**
 * How long a claim outlives its attempt. A late duplicate of a job can only come from a queue,
 * and SQS keeps no message longer than 14 days; the local queue's jobs are taken long before.
 */
export const CLAIM_RETENTION_DAYS = 14;

export const DeliveryClaim = z.discriminatedUnion('state', [
  z.object({
    state: z.literal('sending'),
    at: z.number(),
    leaseUntil: z.number(),
    /** The queue message (stable across receives) through which the attempt was claimed. */
    queueMessageId: z.string(),
  }),
  z.object({ state: z.literal('done'), at: z.number(), result: DeliveryResult }),
]);
export type DeliveryClaim = z.infer<typeof DeliveryClaim>;

export type ClaimVerdict =
  | { kind: 'take' }
  | { kind: 'done'; result: DeliveryResult }
  | { kind: 'duplicate' }
  | { kind: 'busy'; leaseUntil: number };

/** What to do about an attempt whose claim already exists (null: unreadable). See the note at the top. */
export function judgeClaim(claim: DeliveryClaim | null, now: number, queueMessageId: string): ClaimVerdict {
  if (claim === null) return { kind: 'take' };
  if (claim.state === 'done') return { kind: 'done', result: claim.result };
  if (claim.leaseUntil <= now) return { kind: 'take' };
  if (claim.queueMessageId !== queueMessageId) return { kind: 'duplicate' };
  return { kind: 'busy', leaseUntil: claim.leaseUntil };
}

export function startDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const worker = new Worker(options);
  worker.start();
  return worker;
}

/** One place a message can be handed to, with how it is named in delivery details. */
interface Candidate {
  target: SmtpTarget;
  /** "192.0.2.1:25 (mx.example.com)" or "smtp.relay.example:587". */
  label: string;
  /** The host name: the MX exchange or the relay. */
  host: string;
}

type Plan =
  | { kind: 'candidates'; domain: string; candidates: Candidate[]; notes: string[] }
  | { kind: 'fail'; status: 'SoftFail' | 'HardFail'; details: string };

interface Attempt {
  result: DeliveryResult;
  /** The limiter's lesson. */
  outcome: SlotOutcome;
}

/** The claim this worker holds for a running attempt, renewed by the job's heartbeat. */
interface HeldClaim {
  key: string;
  etag: string;
  lost: boolean;
}

class Worker implements DeliveryWorker {
  readonly limiter: DestinationLimiter;
  readonly #settings: Readonly<Settings>;
  readonly #queue: Queue;
  readonly #blobs: BlobStore;
  readonly #dns: Dns;
  readonly #transport: SmtpTransport;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #random: () => number;
  readonly #stopping = new AbortController();
  readonly #inHand = new Set<Promise<void>>();
  /** Jobs per destination received and not yet given a slot (claiming, or waiting for one). */
  readonly #lines = new Map<string, number>();
  /** Wakes the receive loop when a job leaves a line. */
  #lineMoved: (() => void) | null = null;
  readonly #deferred: Record<DeferralReason, number> = { rate_limited: 0, half_of_hand: 0 };
  #loop: Promise<void> = Promise.resolve();
  #unsubscribe: () => void = () => {};
  #wake: (() => void) | null = null;
  #woken = false;

  constructor(options: DeliveryWorkerOptions) {
    const { queue, blobs, dns, transport, clock, logger, limiter, onSend, random, ...rest } = options;
    this.#settings = Object.freeze(Settings.parse({ ...defaults, ...withoutUndefined(rest) }));
    this.#queue = queue;
    this.#blobs = blobs;
    this.#dns = dns;
    this.#transport = transport;
    this.#clock = clock;
    this.#random = random ?? Math.random;
    this.#logger = logger.child({ component: 'delivery-worker', queue: this.#settings.queueName });
    this.limiter = limiter ?? new DestinationLimiter({ clock });
    if (onSend) {
      this.#unsubscribe = onSend((name) => {
        if (name === this.#settings.queueName) this.#wakeUp();
      });
    }
  }

  start(): void {
    this.#loop = this.#run();
  }

  stats(): DeliveryWorkerStats {
    let waitingForSlot = 0;
    for (const line of this.#lines.values()) waitingForSlot += line;
    return {
      queue: this.#settings.queueName,
      inHand: this.#inHand.size,
      waitingForSlot,
      deferred: { ...this.#deferred },
    };
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    this.#unsubscribe();
    this.#wakeUp();
    this.#lineMoved?.();
    await this.#loop;
    await Promise.all([...this.#inHand]);
  }

  async #run(): Promise<void> {
    const { concurrency, queueName, visibilityTimeoutSeconds, pollIntervalMs } = this.#settings;
    while (!this.#stopping.signal.aborted) {
      const room = concurrency - this.#inHand.size;
      if (room <= 0) {
        await Promise.race(this.#inHand);
        continue;
      }
      await this.#whileALineIsFull(pollIntervalMs);
      let messages: QueueMessage[];
      try {
        messages = await this.#queue.receive(queueName, {
          max: Math.min(room, MAX_RECEIVE),
          visibilityTimeoutSeconds,
        });
      } catch (error) {
        this.#logger.error('receiving delivery jobs failed', { error });
        await this.#pause(pollIntervalMs);
        continue;
      }
      if (messages.length === 0) {
        await this.#pause(pollIntervalMs);
        continue;
      }
      for (const message of messages) {
        const handled: Promise<void> = this.#handle(message).finally(() => this.#inHand.delete(handled));
        this.#inHand.add(handled);
      }
    }
  }

  /** Waits `ms`, or less when a job is sent to this queue or the worker stops. */
  #pause(ms: number): Promise<void> {
    if (this.#woken || this.#stopping.signal.aborted) {
      this.#woken = false;
      return Promise.resolve();
    }
    return wakeableWait(ms, (wake) => (this.#wake = wake));
  }

  #wakeUp(): void {
    if (this.#wake) this.#wake();
    else this.#woken = true;
  }

  /** One job, from receipt to deletion. Never rejects: a job that fails comes back from the queue. */
  async #handle(message: QueueMessage): Promise<void> {
    let held: HeldClaim | null = null;
    let leaveLine = () => {};
    const progress = { sendStarted: false };
    const heartbeat = new Heartbeat(this.#settings.visibilityTimeoutSeconds, () =>
      this.#renew(message, held),
    );
    let log = this.#logger.child({ queueMessageId: message.id });
    try {
      const job = parseJob(message.body);
      if (!job.ok) {
        log.error('invalid delivery job deleted', { issues: job.issues, receiveCount: message.receiveCount });
        await this.#deleteJob(message);
        return;
      }
      const { value } = job;
      log = log.child({ messageId: value.messageId, attempt: value.attempt });
      const destination = this.#destinationOf(value);
      // Judged and counted at once (no await in between), so a batch of jobs to one place is
      // judged in turn.
      const refusal = this.#refusal(destination);
      if (refusal !== null) {
        await this.#defer(message, destination, refusal, log);
        return;
      }
      leaveLine = this.#join(destination);
      const claim = await this.#claim(value, message, log);
      if (claim.kind !== 'claimed') {
        await this.#settleUnclaimed(claim, message, log);
        return;
      }
      held = claim.held;
      const attempt = await this.#attemptWithSlot(value, destination, leaveLine, progress, log);
      await heartbeat.stop();
      if (attempt === null) {
        // Stopping while waiting for a slot: hand the attempt back for another worker.
        await this.#giveBack(held, message, log, 0);
        return;
      }
      await this.#record(held, message, attempt.result, log);
    } catch (error) {
      log.error('delivery job failed; it will be received again', { error });
      await heartbeat.stop();
      // Once anything may have reached a remote, the claim stays: its lease decides who goes on.
      if (held && !progress.sendStarted) await this.#giveBack(held, message, log, null);
    } finally {
      await heartbeat.stop();
      leaveLine();
    }
  }

  /** Why a job to `destination` may not be taken now (see "Sharing the jobs in hand"), or null. */
  #refusal(destination: string): DeferralReason | null {
    if (this.#holding(destination) >= this.#halfOfHand()) return 'half_of_hand';
    const line = this.#lines.get(destination) ?? 0;
    if (this.limiter.throttled(destination) && line >= this.#fullLine(destination)) return 'rate_limited';
    return null;
  }

  #fullLine(destination: string): number {
    return 2 * this.limiter.limit(destination);
  }

  /**
   * Jobs received for `destination` and not yet through their attempt: those in line, and those
   * sending through one of its slots (this worker's limiter counts them).
   */
  #holding(destination: string): number {
    return (this.#lines.get(destination) ?? 0) + this.limiter.inFlight(destination);
  }

  #halfOfHand(): number {
    return Math.max(1, Math.floor(this.#settings.concurrency / 2));
  }

  /** Counts a job in its destination's line; the function returned counts it out, once. */
  #join(destination: string): () => void {
    this.#lines.set(destination, (this.#lines.get(destination) ?? 0) + 1);
    return once(() => {
      const left = (this.#lines.get(destination) ?? 1) - 1;
      if (left > 0) this.#lines.set(destination, left);
      else this.#lines.delete(destination);
      this.#lineMoved?.();
    });
  }

  /**
   * Holds the receive loop while a destination that is not rate limiting us has more than a full
   * line (a burst to it came in one receive), until a job leaves a line or `maxMs` pass.
   */
  async #whileALineIsFull(maxMs: number): Promise<void> {
    const deadline = performance.now() + maxMs;
    const overfull = () =>
      [...this.#lines].some(
        ([destination, line]) =>
          line > this.#fullLine(destination) && this.#holding(destination) < this.#halfOfHand(),
      );
    while (overfull() && !this.#stopping.signal.aborted) {
      const left = deadline - performance.now();
      if (left <= 0) return;
      await wakeableWait(left, (wake) => (this.#lineMoved = wake));
    }
  }

  /**
   * Waits for a slot to the destination, leaves the line, then makes the attempt; null when the
   * worker stops first.
   */
  async #attemptWithSlot(
    job: DeliveryJob,
    destination: string,
    leaveLine: () => void,
    progress: { sendStarted: boolean },
    log: Logger,
  ): Promise<Attempt | null> {
    let slot;
    try {
      slot = await this.limiter.acquire(destination, this.#stopping.signal);
    } catch (error) {
      if (error instanceof SlotWaitAborted) return null;
      throw error;
    }
    leaveLine();
    let outcome: SlotOutcome = 'neutral';
    try {
      const attempt = await this.#attempt(job, progress, log);
      outcome = attempt.outcome;
      return attempt;
    } finally {
      slot.release(outcome);
      if (outcome === 'rate_limited') {
        log.warn('destination is rate limiting; halving its concurrency', {
          destination,
          limit: this.limiter.limit(destination),
        });
      }
    }
  }

  /** The delivery attempt as a list of steps; every exit is a result with a reason. */
  async #attempt(job: DeliveryJob, progress: { sendStarted: boolean }, jobLog: Logger): Promise<Attempt> {
    const started = performance.now();
    const logId = pooledRandomBytes(4).toString('hex').toUpperCase();
    const log = jobLog.child({ logId });
    const finish = (
      status: DeliveryOutcome,
      details: string,
      rest: { output?: string; secure?: boolean; remoteHost?: string | null } = {},
    ): DeliveryResult =>
      DeliveryResult.parse({
        version: 1,
        messageId: job.messageId,
        serverId: job.serverId,
        attempt: job.attempt,
        firstAttempt: job.firstAttempt,
        status,
        details,
        output: rest.output ?? '',
        secure: rest.secure ?? false,
        retryAfterSeconds: status === 'SoftFail' ? retryHintSeconds(rest.output ?? '') : null,
        remoteHost: rest.remoteHost ?? null,
        durationMs: Math.max(0, Math.round(performance.now() - started)),
        logId,
        finishedAt: this.#clock.now(),
      } satisfies DeliveryResult);
    const unsent = (result: DeliveryResult): Attempt => ({ result, outcome: 'neutral' });

    const raw = await this.#loadPrepared(job);
    if (raw === null) return unsent(finish('HardFail', 'The prepared message is missing'));

    const plan = await this.#plan(job);
    if (plan.kind === 'fail') return unsent(finish(plan.status, plan.details));

    const connectionErrors: string[] = [...plan.notes];
    const tried: string[] = [];
    let rateLimited = false;
    for (const candidate of plan.candidates) {
      if (!tried.includes(candidate.host)) tried.push(candidate.host);
      log.debug('handing the message to a host', { remote: candidate.label });
      let sent: SmtpSendResult;
      progress.sendStarted = true;
      try {
        sent = await this.#transport.send(candidate.target, { from: job.mailFrom, to: job.rcptTo }, raw);
      } catch (error) {
        // A bug or broken infrastructure in the transport: whether anything left is unknown.
        log.error('the SMTP transport failed', { error, remote: candidate.label });
        const result = finish(
          'SoftFail',
          `An error occurred while sending the message to ${candidate.label}`,
          {
            output: error instanceof Error ? error.message : String(error),
            remoteHost: candidate.host,
          },
        );
        return { result, outcome: 'neutral' };
      }
      if (sent.status === 'soft_fail' && sent.code === null) {
        // No transaction took place here: the next host may have the message (RFC 5321 §5.1).
        log.info('could not deliver to host, trying the next one', {
          remote: candidate.label,
          error: sent.response,
        });
        connectionErrors.push(`${candidate.label}: ${sent.response}`);
        rateLimited ||= isRateLimitReply(parseReply(sent.response));
        continue;
      }
      const result = this.#resultOf(job, candidate, sent, finish);
      log.info('delivery attempt finished', {
        status: result.status,
        remote: candidate.label,
        secure: result.secure,
      });
      const outcome: SlotOutcome =
        rateLimited || (sent.status !== 'sent' && isRateLimitReply(parseReply(sent.response)))
          ? 'rate_limited'
          : sent.status === 'sent'
            ? 'success'
            : 'neutral';
      return { result, outcome };
    }

    const details =
      `No SMTP servers were available for ${plan.domain}.` +
      (tried.length === 0 ? ' No hosts to try.' : ` Tried ${toSentence(tried)}.`);
    log.info('no SMTP server was available', { tried });
    return {
      result: finish('SoftFail', details, { output: connectionErrors.join(', ') }),
      outcome: rateLimited ? 'rate_limited' : 'neutral',
    };
  }

  #resultOf(
    job: DeliveryJob,
    candidate: Candidate,
    sent: SmtpSendResult,
    finish: (
      status: DeliveryOutcome,
      details: string,
      rest: { output?: string; secure?: boolean; remoteHost?: string | null },
    ) => DeliveryResult,
  ): DeliveryResult {
    const rest = { output: sent.response, secure: sent.secure, remoteHost: candidate.host };
    if (sent.status === 'sent') {
      const { localAddress } = candidate.target;
      const from = localAddress ? ` (from ${localAddress})` : '';
      return finish('Sent', `Message for ${job.rcptTo} accepted by ${candidate.label}${from}`, rest);
    }
    if (sent.code === null) {
      // A refusal decided before any transaction (SMTPUTF8, an unsendable envelope): its own reason.
      return finish('HardFail', `${sent.response} (${candidate.label})`, rest);
    }
    return sent.status === 'hard_fail'
      ? finish('HardFail', `Permanent SMTP delivery error when sending to ${candidate.label}`, rest)
      : finish('SoftFail', `Temporary SMTP delivery error when sending to ${candidate.label}`, rest);
  }

  async #loadPrepared(job: DeliveryJob): Promise<Uint8Array | null> {
    const object = await this.#blobs.get(job.preparedKey);
    return object === null || object === 'not-modified' ? null : object.body;
  }

  /** The hosts to try, in order: the job's relay, else the configured relays, else MX. */
  async #plan(job: DeliveryJob): Promise<Plan> {
    const { relays, deliveryPort, maxAddressesPerAttempt, allowPrivateTargets } = this.#settings;
    const { ipv4, ipv6, hostname } = job.source;
    // A relay named by host name is resolved by the transport; the IPv4 source is the likelier fit.
    const relaySource = { localAddress: ipv4 ?? ipv6 ?? undefined, name: hostname };
    if (job.relay) {
      const refused = allowPrivateTargets ? null : await this.#privateRelay(job.relay.host);
      if (refused) return { kind: 'fail', ...refused };
      return {
        kind: 'candidates',
        domain: job.domain,
        candidates: [relayCandidate(job.relay, relaySource)],
        notes: [],
      };
    }
    if (relays.length > 0) {
      return {
        kind: 'candidates',
        domain: job.domain,
        candidates: relays.map((relay) => relayCandidate(relay, relaySource)),
        notes: [],
      };
    }

    const destinations = await resolveDestinations(this.#dns, job.domain, {
      random: this.#random,
      families: familiesOf(job.source),
    });
    if (destinations.status === 'hard_fail')
      return { kind: 'fail', status: 'HardFail', details: destinations.reason };
    if (destinations.status === 'soft_fail')
      return { kind: 'fail', status: 'SoftFail', details: destinations.reason };
    const candidates: Candidate[] = [];
    const notes: string[] = [];
    for (const host of destinations.hosts) {
      notes.push(...host.lookupErrors);
      if (host.addresses.length === 0 && host.lookupErrors.length === 0)
        notes.push(`${host.name} has no address`);
      for (const address of host.addresses) {
        const label = `${isIP(address) === 6 ? `[${address}]` : address}:${deliveryPort} (${host.name})`;
        if (!allowPrivateTargets && isPrivateAddress(address)) {
          notes.push(`${label}: not a public address, skipped`);
          continue;
        }
        if (candidates.length >= maxAddressesPerAttempt) continue;
        const localAddress = (isIP(address) === 6 ? ipv6 : ipv4) ?? undefined;
        candidates.push({
          target: { host: address, port: deliveryPort, localAddress, name: hostname, tls: 'opportunistic' },
          label,
          host: host.name,
        });
      }
    }
    return { kind: 'candidates', domain: destinations.domain, candidates, notes };
  }

  /** An SMTP endpoint chosen by a user must not lead into private networks (unless allowed). */
  async #privateRelay(host: string): Promise<{ status: 'SoftFail' | 'HardFail'; details: string } | null> {
    const bare = host.replace(/^\[(.*)\]$/, '$1');
    let addresses: string[];
    if (isIP(bare) !== 0) {
      addresses = [bare];
    } else {
      try {
        const [v6, v4] = await Promise.all([this.#dns.aaaa(bare), this.#dns.a(bare)]);
        addresses = [...v6, ...v4];
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return { status: 'SoftFail', details: `Address lookup for SMTP endpoint ${host} failed: ${reason}` };
      }
    }
    const blocked = addresses.find((address) => isPrivateAddress(address));
    if (bare === 'localhost' || bare.endsWith('.localhost') || blocked) {
      return {
        status: 'HardFail',
        details: `SMTP endpoint ${host} is not a public address${blocked && blocked !== bare ? ` (${blocked})` : ''}`,
      };
    }
    return null;
  }

  #destinationOf(job: DeliveryJob): string {
    if (job.relay) return `relay:${job.relay.host}:${job.relay.port}`;
    const { relays } = this.#settings;
    if (relays.length > 0) return `relays:${relays.map((relay) => `${relay.host}:${relay.port}`).join(',')}`;
    return `domain:${job.domain.toLowerCase()}`;
  }

  /** Claims the attempt (see the note at the top), trying again briefly when another worker races us. */
  async #claim(
    job: DeliveryJob,
    message: QueueMessage,
    log: Logger,
  ): Promise<{ kind: 'claimed'; held: HeldClaim } | Exclude<ClaimVerdict, { kind: 'take' }>> {
    const key = claimKey(job.messageId, job.attempt);
    for (let round = 0; round < 3; round += 1) {
      const now = this.#clock.now();
      const sending = JSON.stringify({
        state: 'sending',
        at: now,
        leaseUntil: now + this.#settings.visibilityTimeoutSeconds * 1000,
        queueMessageId: message.id,
      } satisfies DeliveryClaim);
      // Nearly every attempt is claimed for the first time: try that before reading anything.
      const created = await this.#blobs.put(key, sending, {
        ifNoneMatch: '*',
        contentType: 'application/json',
      });
      if (created) return { kind: 'claimed', held: { key, etag: created.etag, lost: false } };
      const existing = await this.#blobs.get(key);
      if (existing === null || existing === 'not-modified') continue;
      const claim = parseClaim(existing.body);
      if (claim === null) log.error('unreadable delivery claim; taking it over', { key });
      const verdict = judgeClaim(claim, now, message.id);
      if (verdict.kind !== 'take') return verdict;
      const taken = await this.#blobs.put(key, sending, {
        ifMatch: existing.etag,
        contentType: 'application/json',
      });
      if (taken) {
        if (claim) log.warn('took over the claim of a worker that stopped', { key });
        return { kind: 'claimed', held: { key, etag: taken.etag, lost: false } };
      }
    }
    // Three rounds lost to other claimants: one of them holds it now; look again later.
    return { kind: 'busy', leaseUntil: this.#clock.now() + this.#settings.deferSeconds * 1000 };
  }

  async #settleUnclaimed(
    verdict: Exclude<ClaimVerdict, { kind: 'take' }>,
    message: QueueMessage,
    log: Logger,
  ): Promise<void> {
    switch (verdict.kind) {
      case 'done':
        log.info('attempt already delivered; queueing its result again and deleting the job');
        await this.#queue.send(RESULTS_QUEUE, JSON.stringify(verdict.result));
        await this.#deleteJob(message);
        return;
      case 'duplicate':
        log.info('duplicate delivery job deleted: another worker holds this attempt');
        await this.#deleteJob(message);
        return;
      case 'busy': {
        const seconds = Math.ceil((verdict.leaseUntil - this.#clock.now()) / 1000) + 1;
        log.info('attempt is still held through this queue message; looking again when its lease ends', {
          seconds,
        });
        await this.#setVisibility(message, Math.min(Math.max(seconds, 0), MAX_VISIBILITY_SECONDS), log);
        return;
      }
    }
  }

  /**
   * The end of an attempt: the result goes into the claim, then onto "results", then the job is
   * deleted. A claim that cannot be written (lost to a taker, or the store failing) does not stop
   * the result: the remote has answered, and the truth must be told.
   */
  async #record(held: HeldClaim, message: QueueMessage, result: DeliveryResult, log: Logger): Promise<void> {
    try {
      const done = JSON.stringify({ state: 'done', at: this.#clock.now(), result } satisfies DeliveryClaim);
      const written = await this.#blobs.put(held.key, done, {
        ifMatch: held.etag,
        contentType: 'application/json',
      });
      if (!written) log.warn('the attempt claim was taken over while sending; recording the result anyway');
    } catch (error) {
      log.error('could not mark the attempt claim done; recording the result anyway', { error });
    }
    // Should this fail, the job comes back, finds the claim done and queues the result again.
    await this.#queue.send(RESULTS_QUEUE, JSON.stringify(result));
    await this.#deleteJob(message).catch((error: unknown) => {
      log.warn('could not delete a finished delivery job; its claim will stop it sending again', { error });
    });
  }

  /** Hands a claim back (lease over) so the next receive goes ahead; optionally shows the job again at once. */
  async #giveBack(
    held: HeldClaim,
    message: QueueMessage,
    log: Logger,
    visibleInSeconds: number | null,
  ): Promise<void> {
    try {
      const now = this.#clock.now();
      const released = JSON.stringify({
        state: 'sending',
        at: now,
        leaseUntil: 0,
        queueMessageId: message.id,
      } satisfies DeliveryClaim);
      await this.#blobs.put(held.key, released, { ifMatch: held.etag, contentType: 'application/json' });
      if (visibleInSeconds !== null) await this.#setVisibility(message, visibleInSeconds, log);
    } catch (error) {
      log.warn('could not hand back the attempt claim; it frees itself when its lease ends', { error });
    }
  }

  /**
   * Puts a job back as a new message, sent before this one is deleted: a crash in between leaves
   * two copies of the job, which its attempt's claim turns into one delivery.
   */
  async #defer(
    message: QueueMessage,
    destination: string,
    reason: DeferralReason,
    log: Logger,
  ): Promise<void> {
    const { queueName, deferSeconds } = this.#settings;
    this.#deferred[reason] += 1;
    log.info(DEFERRAL_LOG[reason], { destination, seconds: deferSeconds });
    try {
      await this.#queue.send(queueName, message.body, { delaySeconds: deferSeconds });
    } catch (error) {
      log.warn('could not put a deferred delivery job back; it comes back when its visibility ends', {
        error,
      });
      return;
    }
    await this.#deleteJob(message).catch((error: unknown) => {
      log.warn('could not delete a deferred delivery job; its claim will stop it sending twice', { error });
    });
  }

  /** The heartbeat: keeps the queue message invisible and the claim's lease running. */
  async #renew(message: QueueMessage, held: HeldClaim | null): Promise<void> {
    const { queueName, visibilityTimeoutSeconds } = this.#settings;
    try {
      await this.#queue.changeVisibility(queueName, message.receiptHandle, visibilityTimeoutSeconds);
    } catch (error) {
      this.#logger.warn('could not extend a delivery job’s visibility', {
        error,
        queueMessageId: message.id,
      });
    }
    if (!held || held.lost) return;
    const now = this.#clock.now();
    const renewed = JSON.stringify({
      state: 'sending',
      at: now,
      leaseUntil: now + visibilityTimeoutSeconds * 1000,
      queueMessageId: message.id,
    } satisfies DeliveryClaim);
    try {
      const written = await this.#blobs.put(held.key, renewed, {
        ifMatch: held.etag,
        contentType: 'application/json',
      });
      if (written) held.etag = written.etag;
      else held.lost = true;
    } catch (error) {
      this.#logger.warn('could not renew an attempt claim', { error, key: held.key });
    }
  }

  async #setVisibility(message: QueueMessage, seconds: number, log: Logger): Promise<void> {
    try {
      await this.#queue.changeVisibility(this.#settings.queueName, message.receiptHandle, seconds);
    } catch (error) {
      log.warn('could not change a delivery job’s visibility', { error });
    }
  }

  async #deleteJob(message: QueueMessage): Promise<void> {
    await this.#queue.delete(this.#settings.queueName, message.receiptHandle);
  }
}

/** Runs `beat` every third of the visibility timeout until stopped; stop waits for a beat under way. */
class Heartbeat {
  #timer: ReturnType<typeof setInterval> | null;
  #beating: Promise<void> = Promise.resolve();

  constructor(visibilityTimeoutSeconds: number, beat: () => Promise<void>) {
    this.#timer = setInterval(
      () => {
        this.#beating = this.#beating.then(beat, beat);
      },
      Math.max(1_000, Math.floor((visibilityTimeoutSeconds * 1000) / 3)),
    );
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#beating.catch(() => {});
  }
}

function parseJob(body: string): { ok: true; value: DeliveryJob } | { ok: false; issues: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, issues: ['the body is not JSON'] };
  }
  const parsed = DeliveryJob.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
  };
}

function parseClaim(body: Uint8Array): DeliveryClaim | null {
  try {
    const parsed = DeliveryClaim.safeParse(JSON.parse(Buffer.from(body).toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function relayCandidate(
  relay: SmtpRelay,
  source: { localAddress: string | undefined; name: string },
): Candidate {
  const host = relay.host.replace(/^\[(.*)\]$/, '$1');
  return {
    target: {
      host,
      port: relay.port,
      ...source,
      tls: relay.tls,
      ...(relay.auth ? { auth: relay.auth } : {}),
    },
    label: `${isIP(host) === 6 ? `[${host}]` : host}:${relay.port}`,
    host,
  };
}

/**
 * The families a pool address can reach: an address with an IPv4 half only cannot reach IPv6
 * hosts, nor the other way round (Postal skips them too); with neither, the system chooses.
 */
function familiesOf(source: DeliveryJob['source']): AddressFamilies {
  if ((source.ipv4 === null) === (source.ipv6 === null)) return 'both';
  return source.ipv4 !== null ? 'ipv4' : 'ipv6';
}

/** "a", "a and b", "a, b and c". */
function toSentence(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/**
 * POSTERN_SMTP_RELAYS entries: `smtp://[user:pass@]host[:port][?tls=opportunistic|required|none]`
 * or `smtps://…` (implicit TLS, port 465 by default). Postal's `ssl_mode=Auto|STARTTLS|TLS|None`
 * is read too. Without a mode, a relay with credentials requires STARTTLS (they are never sent in
 * plain text) and one without uses it when offered. The port defaults to 25.
 */
export function parseSmtpRelays(urls: readonly string[]): SmtpRelay[] {
  return urls.map((text) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Error(`POSTERN_SMTP_RELAYS: not a URL: ${text.replace(/\/\/[^@/]*@/, '//…@')}`);
    }
    const implicit = url.protocol === 'smtps:';
    if (!implicit && url.protocol !== 'smtp:') {
      throw new Error(`POSTERN_SMTP_RELAYS: ${url.protocol} is not smtp: or smtps: (${url.hostname})`);
    }
    const auth = url.username
      ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
      : null;
    const mode = (url.searchParams.get('tls') ?? url.searchParams.get('ssl_mode') ?? '').toLowerCase();
    const modes: Record<string, SmtpRelay['tls']> = {
      opportunistic: 'opportunistic',
      auto: 'opportunistic',
      required: 'required',
      starttls: 'required',
      implicit: 'implicit',
      tls: 'implicit',
      none: 'none',
    };
    const tls = implicit ? 'implicit' : mode ? modes[mode] : auth ? 'required' : 'opportunistic';
    if (!tls) throw new Error(`POSTERN_SMTP_RELAYS: unknown TLS mode ${mode} for ${url.hostname}`);
    return SmtpRelay.parse({
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port ? Number(url.port) : implicit ? 465 : 25,
      tls,
      auth,
    });
  });
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}

/** Waits `ms`, or less when the function handed to `hook` is called; the hook is cleared after. */
function wakeableWait(ms: number, hook: (wake: (() => void) | null) => void): Promise<void> {
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      hook(null);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    hook(finish);
  });
}
