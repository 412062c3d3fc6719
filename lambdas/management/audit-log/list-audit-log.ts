import { AuditEntryView, AuditLogQuery } from '../../../core/audit/audit-log-schemas.ts';
import { listAuditLog } from '../../../core/audit/audit-log-queries.ts';
import { pageOf } from '../../../core/management/pagination.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { V1 } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${V1}/audit-log`,
  summary: 'Every change made through the management API, newest first (administrators only)',
  tag: 'Audit log',
  query: AuditLogQuery,
  response: pageOf(AuditEntryView),
  handle: ({ ctx, actor, query }) => listAuditLog(ctx, actor, query),
});
