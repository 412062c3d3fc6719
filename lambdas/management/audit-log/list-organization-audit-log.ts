import { AuditEntryView, OrganizationAuditLogQuery } from '../../../core/audit/audit-log-schemas.ts';
import { listOrganizationAuditLog } from '../../../core/audit/audit-log-queries.ts';
import { pageOf } from '../../../core/management/pagination.ts';
import { resolveOrganization } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${ORG}/audit-log`,
  summary: 'Changes to an organization and its servers, newest first; filter by `action` or `server`',
  tag: 'Audit log',
  params: OrgParams,
  query: OrganizationAuditLogQuery,
  response: pageOf(AuditEntryView),
  handle: async ({ ctx, actor, params, query }) =>
    listOrganizationAuditLog(ctx, await resolveOrganization(ctx, actor, params.org), query),
});
