import type { AppContext } from '../context.ts';
import type { Row } from '../db/schema.ts';
import type { Logger } from '../ports.ts';
import { BatchMemo } from './batch-memo.ts';
import type { ProcessJob } from './process-job.ts';

/** Everything a process step reads, loaded once per job. */
export interface ProcessState {
  ctx: AppContext;
  job: ProcessJob;
  message: Row<'messages'>;
  server: Row<'servers'>;
  organization: Row<'organizations'>;
  log: Logger;
  /** Reads shared with the other messages of the batch. */
  memo: BatchMemo;
}

/** How a job ended, for logs and tests: every exit names a status and a reason. */
export interface ProcessOutcome {
  outcome: 'queued' | 'held' | 'failed' | 'processed' | 'skipped' | 'deferred';
  reason: string;
}

export async function loadProcessState(
  ctx: AppContext,
  job: ProcessJob,
  memo: BatchMemo = new BatchMemo(),
): Promise<ProcessState | null> {
  const message = await ctx.db
    .selectFrom('messages')
    .selectAll()
    .where('id', '=', job.messageId)
    .executeTakeFirst();
  if (!message) return null;
  const server = await memo.get(`server:${message.server_id}`, () =>
    ctx.db.selectFrom('servers').selectAll().where('id', '=', message.server_id).executeTakeFirst(),
  );
  if (!server) return null;
  const organization = await memo.get(`organization:${server.organization_id}`, () =>
    ctx.db
      .selectFrom('organizations')
      .selectAll()
      .where('id', '=', server.organization_id)
      .executeTakeFirstOrThrow(),
  );
  return {
    ctx,
    job,
    message,
    server,
    organization,
    log: ctx.logger.child({ messageId: message.id, attempt: job.attempt }),
    memo,
  };
}

/** The sending domain's row as signing and the return path read it, once per batch. */
export function sendingDomain(state: Pick<ProcessState, 'ctx' | 'memo'>, domainId: number | null) {
  if (domainId === null) return Promise.resolve(undefined);
  return state.memo.get(`domain:${domainId}`, () =>
    state.ctx.db
      .selectFrom('domains')
      .select(['name', 'dkim_status', 'dkim_private_key', 'dkim_identifier_string', 'return_path_status'])
      .where('id', '=', domainId)
      .executeTakeFirst(),
  );
}

/**
 * Why a person's job no longer applies, if it does not: a release whose hold ended meanwhile
 * (cancelled, expired or released another way), or a resend of a message held again since.
 */
export function staleManualJob(job: ProcessJob, message: Row<'messages'>): string | null {
  if (job.intent === 'release' && message.held !== 1) return 'the hold ended before this release ran';
  if (job.intent === 'resend' && message.held === 1) return 'the message was held again';
  return null;
}
