import type { Endpoint } from '../../http/endpoint.ts';
import listAuditLog from './list-audit-log.ts';
import listOrganizationAuditLog from './list-organization-audit-log.ts';

export const auditLogEndpoints: readonly Endpoint[] = [listAuditLog, listOrganizationAuditLog];
