import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import type { Db } from '../db/database.ts';
import { paginate, type Page } from '../management/pagination.ts';
import { requireAdmin, type OrganizationScope } from '../management/scope.ts';
import {
  auditEntryView,
  type AuditEntryView,
  type AuditLogQuery,
  type OrganizationAuditLogQuery,
} from './audit-log-schemas.ts';

/** An organization's entries, newest first; entries with no organization (users, pools) are not among them. */
export async function listOrganizationAuditLog(
  ctx: AppContext,
  scope: OrganizationScope,
  query: OrganizationAuditLogQuery,
): Promise<Page<AuditEntryView>> {
  let entries = entriesOf(ctx.db).where('audit_log.organization_id', '=', scope.organization.id);
  if (query.action !== undefined) entries = entries.where('audit_log.action', '=', query.action);
  if (query.server !== undefined) entries = entries.where('servers.permalink', '=', query.server);
  const { rows, next_cursor } = await paginate(entries, 'audit_log.id', query, 'desc');
  return { data: rows.map(auditEntryView), next_cursor };
}

/** Every entry of the installation, newest first (administrators only). */
export async function listAuditLog(
  ctx: AppContext,
  actor: Actor,
  query: AuditLogQuery,
): Promise<Page<AuditEntryView>> {
  requireAdmin(actor);
  let entries = entriesOf(ctx.db);
  if (query.action !== undefined) entries = entries.where('audit_log.action', '=', query.action);
  if (query.organization !== undefined) {
    entries = entries.where('organizations.permalink', '=', query.organization);
  }
  const { rows, next_cursor } = await paginate(entries, 'audit_log.id', query, 'desc');
  return { data: rows.map(auditEntryView), next_cursor };
}

function entriesOf(db: Db) {
  return db
    .selectFrom('audit_log')
    .leftJoin('organizations', 'organizations.id', 'audit_log.organization_id')
    .leftJoin('servers', 'servers.id', 'audit_log.server_id')
    .selectAll('audit_log')
    .select(['organizations.permalink as organization_permalink', 'servers.permalink as server_permalink']);
}
