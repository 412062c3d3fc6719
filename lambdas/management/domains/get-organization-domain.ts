import { DomainView } from '../../../core/domains/domain-schemas.ts';
import { getDomain } from '../../../core/domains/domains.ts';
import { resolveOrganization } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG } from '../params.ts';
import { OrgDomainParams } from './domain-params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${ORG}/domains/{domain}`,
  summary: "One of an organization's domains, by uuid or by name",
  tag: 'Domains',
  params: OrgDomainParams,
  response: DomainView,
  handle: async ({ ctx, actor, params }) =>
    getDomain(ctx, await resolveOrganization(ctx, actor, params.org), params.domain),
});
