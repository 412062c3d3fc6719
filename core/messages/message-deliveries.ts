import type { Db } from '../db/database.ts';
import type { MessageStatus, Row } from '../db/schema.ts';

// Every status change of a message is a delivery row with a human reason (Postal's "Activity").

/** Postal keeps at most 250 characters of a remote's output. */
export const OUTPUT_LIMIT = 250;

export interface DeliveryEntry {
  status: MessageStatus;
  details: string;
  output?: string | null;
  secure?: boolean;
  attempt?: number | null;
  logId?: string | null;
  durationMs?: number | null;
}

export async function addDelivery(
  trx: Db,
  message: Pick<Row<'messages'>, 'id' | 'server_id'>,
  entry: DeliveryEntry,
  at: number,
): Promise<boolean> {
  const result = await trx
    .insertInto('deliveries')
    .ignore()
    .values({
      server_id: message.server_id,
      message_id: message.id,
      attempt: entry.attempt ?? null,
      status: entry.status,
      details: entry.details,
      output: entry.output?.slice(0, OUTPUT_LIMIT) ?? null,
      sent_with_ssl: entry.secure ? 1 : 0,
      log_id: entry.logId ?? null,
      timestamp: at,
      duration_ms: entry.durationMs ?? null,
    })
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}
