import { z } from 'zod';
import { PageQuery } from '../management/pagination.ts';
import { PermalinkSchema } from '../management/permalink.ts';
import { IsoTime, Uuid, isoTime } from '../management/view-helpers.ts';
import type { Row } from '../db/schema.ts';

export const AuditEntryView = z.object({
  uuid: Uuid,
  /** `<resource>.<verb>`, e.g. `credential.create`. */
  action: z.string(),
  resource_type: z.string(),
  resource_uuid: z.string().nullable(),
  /** The user's email address, or 'system' for first start, the command line and deployment syncs. */
  actor: z.string(),
  organization: z.string().nullable(),
  server: z.string().nullable(),
  /** What changed, with secrets redacted. */
  changes: z.record(z.string(), z.unknown()).nullable(),
  ip_address: z.string().nullable(),
  timestamp: IsoTime,
});
export type AuditEntryView = z.infer<typeof AuditEntryView>;

const Action = z
  .string()
  .max(64)
  .regex(/^[a-z0-9_.]+$/, 'an action such as credential.create');

export const OrganizationAuditLogQuery = PageQuery.extend({
  action: Action.optional(),
  /** A server's permalink: only the changes to that server and what it holds. */
  server: PermalinkSchema.optional(),
});
export type OrganizationAuditLogQuery = z.infer<typeof OrganizationAuditLogQuery>;

export const AuditLogQuery = PageQuery.extend({
  action: Action.optional(),
  /** An organization's permalink. */
  organization: PermalinkSchema.optional(),
});
export type AuditLogQuery = z.infer<typeof AuditLogQuery>;

export type AuditRow = Row<'audit_log'> & {
  organization_permalink: string | null;
  server_permalink: string | null;
};

export function auditEntryView(row: AuditRow): AuditEntryView {
  return {
    uuid: row.uuid,
    action: row.action,
    resource_type: row.resource_type,
    resource_uuid: row.resource_uuid,
    actor: row.actor_description,
    organization: row.organization_permalink,
    server: row.server_permalink,
    changes: row.changes === null ? null : (JSON.parse(row.changes) as Record<string, unknown>),
    ip_address: row.ip_address,
    timestamp: isoTime(row.timestamp),
  };
}
