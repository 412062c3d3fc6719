import { deleteDomain } from '../../../core/domains/domains.ts';
import { resolveOrganization } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG } from '../params.ts';
import { OrgDomainParams } from './domain-params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: `${ORG}/domains/{domain}`,
  summary: "Remove an organization's domain with its routes and track domains on every server",
  tag: 'Domains',
  params: OrgDomainParams,
  handle: async ({ ctx, actor, params }) =>
    deleteDomain(ctx, await resolveOrganization(ctx, actor, params.org), params.domain),
});
