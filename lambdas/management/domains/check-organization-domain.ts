import { DomainView } from '../../../core/domains/domain-schemas.ts';
import { checkDomain } from '../../../core/domains/domain-checks.ts';
import { resolveOrganization } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG } from '../params.ts';
import { OrgDomainParams } from './domain-params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${ORG}/domains/{domain}/check`,
  summary: "Check the domain's SPF, DKIM, MX and return-path records and store the results",
  tag: 'Domains',
  params: OrgDomainParams,
  response: DomainView,
  handle: async ({ ctx, actor, params }) =>
    checkDomain(ctx, await resolveOrganization(ctx, actor, params.org), params.domain),
});
