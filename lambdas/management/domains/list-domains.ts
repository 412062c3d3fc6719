import { DomainView } from '../../../core/domains/domain-schemas.ts';
import { listDomains } from '../../../core/domains/domains.ts';
import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/domains`,
  summary: "A server's own domains, with the DNS records to publish and the last check's results",
  tag: 'Domains',
  params: ServerParams,
  query: PageQuery,
  response: pageOf(DomainView),
  handle: async ({ ctx, actor, params, query }) =>
    listDomains(ctx, await resolveServer(ctx, actor, params.org, params.server), query),
});
