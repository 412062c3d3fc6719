import { CreateOrganizationDomainInput, DomainView } from '../../../core/domains/domain-schemas.ts';
import { createDomain } from '../../../core/domains/domains.ts';
import { resolveOrganization } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${ORG}/domains`,
  summary: "Add a domain for all of an organization's servers; an administrator's is verified at once",
  tag: 'Domains',
  status: 201,
  params: OrgParams,
  body: CreateOrganizationDomainInput,
  response: DomainView,
  handle: async ({ ctx, actor, params, body }) =>
    createDomain(ctx, await resolveOrganization(ctx, actor, params.org), body),
});
