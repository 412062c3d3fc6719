import type { Db } from '../db/database.ts';
import type { Actor } from '../auth/actor.ts';
import type { Clock, Ids } from '../ports.ts';
import { redact } from '../logging/redact.ts';

export interface AuditEntry {
  /** `<resource>.<verb>`, e.g. `credential.create`, `server.suspend`. */
  action: string;
  resourceType: string;
  resourceUuid: string | null;
  organizationId: number | null;
  serverId: number | null;
  /** What changed; secrets are redacted before they are stored. */
  changes?: Record<string, unknown>;
}

/** Written in the same transaction as the change it records, so neither exists without the other. */
export async function recordAudit(
  trx: Db,
  deps: { ids: Ids; clock: Clock },
  actor: Actor | null,
  entry: AuditEntry,
): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      uuid: deps.ids.uuid(),
      actor_user_id: actor?.userId ?? null,
      actor_description: actor?.email ?? 'system',
      organization_id: entry.organizationId,
      server_id: entry.serverId,
      action: entry.action,
      resource_type: entry.resourceType,
      resource_uuid: entry.resourceUuid,
      changes: entry.changes ? JSON.stringify(redact(entry.changes)) : null,
      ip_address: actor?.ipAddress ?? null,
      timestamp: deps.clock.now(),
    })
    .execute();
}
