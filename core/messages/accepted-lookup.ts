import type { BlobStore } from '../ports.ts';
import { AcceptedPointer, acceptedPointerKey } from './accept-message.ts';

// Finds an accepted recipient by message id without the database: the pointer the accept step
// wrote (accept-message.ts), there until ingest has written the message row.

/** The pointer of `messageId`, or null when there is none (never accepted, or ingested since). */
export async function findAcceptedPointer(
  blobs: BlobStore,
  messageId: number,
): Promise<AcceptedPointer | null> {
  if (!Number.isSafeInteger(messageId) || messageId <= 0) return null;
  const object = await blobs.get(acceptedPointerKey(messageId));
  if (object === null || object === 'not-modified') return null;
  return AcceptedPointer.parse(JSON.parse(Buffer.from(object.body).toString('utf8')));
}
