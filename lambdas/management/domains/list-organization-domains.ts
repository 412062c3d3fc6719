import { DomainView } from '../../../core/domains/domain-schemas.ts';
import { listDomains } from '../../../core/domains/domains.ts';
import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { resolveOrganization } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${ORG}/domains`,
  summary: "An organization's domains, usable by all its servers",
  tag: 'Domains',
  params: OrgParams,
  query: PageQuery,
  response: pageOf(DomainView),
  handle: async ({ ctx, actor, params, query }) =>
    listDomains(ctx, await resolveOrganization(ctx, actor, params.org), query),
});
