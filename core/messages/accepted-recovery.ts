import type { Db } from '../db/database.ts';
import type { BlobStore, Logger, Queue } from '../ports.ts';
import type { AcceptedPointer } from './accept-message.ts';
import { messageIdOfPointerKey } from './accept-message.ts';
import { findAcceptedPointer } from './accepted-lookup.ts';
import { AcceptedMessage, INGEST_QUEUE } from './accepted-message.ts';

// The accept step sends its envelopes as `recoveredBySender`: the local queue commits them
// without waiting for its log's sync, which saves the client a sync's wait before 250 or
// `success`. A crash of the process loses no commit; a crash of the machine can lose the last
// ones. The pointers, durable before the send, are the record: at start-up, every recipient
// whose pointer is still there but who has neither a message row nor an envelope on the ingest
// queue (or its dead-letter queue) is put back on the queue, its envelope rebuilt from its
// pointers. Ingest is idempotent, so an envelope sent twice costs a receive, not a message.

export interface AcceptedRecoveryDeps {
  db: Db;
  blobs: BlobStore;
  queue: Queue;
  logger: Logger;
}

export interface AcceptedRecoveryInput {
  /** Every key under ACCEPTED_POINTER_PREFIX in the blob store. */
  pointerKeys: readonly string[];
  /**
   * The bodies of every message on the ingest queue and its dead-letter queue, read as far as
   * needed: only when some pointer is left, and no further than the last envelope looked for.
   */
  queuedBodies(): AsyncIterable<string>;
}

// Ids per `in (…)` list, far below every dialect's limit on parameters.
const IDS_PER_QUERY = 500;

/** Sends the lost envelopes again; resolves with them (none when nothing was lost). */
export async function requeueAccepted(
  deps: AcceptedRecoveryDeps,
  input: AcceptedRecoveryInput,
): Promise<AcceptedMessage[]> {
  // Usually there is none: ingest deletes each pointer once its row exists.
  const candidates = new Set<number>();
  for (const key of input.pointerKeys) {
    const id = messageIdOfPointerKey(key);
    if (id !== null) candidates.add(id);
  }
  for (const id of await existingRows(deps.db, [...candidates])) candidates.delete(id);
  if (candidates.size === 0) return [];
  // After a crash under load, what is left is the ingest backlog, on the queue: it is read body
  // by body and only the ids still looked for are kept.
  for await (const body of input.queuedBodies()) {
    for (const id of messageIdsOf(body)) candidates.delete(id);
    if (candidates.size === 0) break;
  }

  const pointers: AcceptedPointer[] = [];
  for (const messageId of candidates) {
    const pointer = await findAcceptedPointer(deps.blobs, messageId).catch(() => null);
    if (pointer) pointers.push(pointer);
    else deps.logger.error('unreadable accepted pointer left as it is', { messageId });
  }
  const envelopes = envelopesOf(pointers);
  if (envelopes.length === 0) return [];
  await deps.queue.sendBatch(
    INGEST_QUEUE,
    envelopes.map((envelope) => JSON.stringify(envelope)),
  );
  deps.logger.warn('accepted messages whose envelopes were lost are queued again', {
    messageIds: pointers.map((pointer) => pointer.messageId),
  });
  return envelopes;
}

/** The message ids an ingest envelope carries; none when it is not one. */
function messageIdsOf(body: string): number[] {
  let parsed: ReturnType<typeof AcceptedMessage.safeParse>;
  try {
    parsed = AcceptedMessage.safeParse(JSON.parse(body));
  } catch {
    return [];
  }
  return parsed.success ? parsed.data.recipients.map((recipient) => recipient.messageId) : [];
}

async function existingRows(db: Db, ids: readonly number[]): Promise<number[]> {
  const found: number[] = [];
  for (let at = 0; at < ids.length; at += IDS_PER_QUERY) {
    const rows = await db
      .selectFrom('messages')
      .select('id')
      .where('id', 'in', ids.slice(at, at + IDS_PER_QUERY))
      .execute();
    found.push(...rows.map((row) => Number(row.id)));
  }
  return found;
}

/** One envelope per raw message and server, its recipients in id order, as the accept step made them. */
export function envelopesOf(pointers: readonly AcceptedPointer[]): AcceptedMessage[] {
  const groups = new Map<string, AcceptedPointer[]>();
  for (const pointer of [...pointers].sort((a, b) => a.messageId - b.messageId)) {
    const key = JSON.stringify([pointer.rawKey, pointer.serverId]);
    groups.set(key, [...(groups.get(key) ?? []), pointer]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    return AcceptedMessage.parse({
      version: 1,
      serverId: first.serverId,
      via: first.via,
      credentialId: first.credentialId,
      senderDomainId: first.senderDomainId,
      mailFrom: first.mailFrom,
      recipients: group.map(({ messageId, token, address, kind, routeId }) => ({
        messageId,
        token,
        address,
        kind,
        routeId,
      })),
      rawKey: first.rawKey,
      size: first.size,
      acceptedAt: first.acceptedAt,
      tls: first.tls,
      clientIp: first.clientIp,
      bounce: first.bounce,
      tag: first.tag,
    } satisfies AcceptedMessage);
  });
}
