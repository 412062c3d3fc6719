import type { Db } from '../db/database.ts';

/** The version the next snapshot must carry; bumped inside the transaction of every change. */
export async function bumpPolicyVersion(trx: Db, now: number): Promise<void> {
  await trx
    .updateTable('policy_state')
    .set((eb) => ({ version: eb('version', '+', 1), changed_at: now }))
    .where('id', '=', 1)
    .execute();
}

export async function currentPolicyVersion(db: Db): Promise<number> {
  const row = await db
    .selectFrom('policy_state')
    .select('version')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(row.version);
}
