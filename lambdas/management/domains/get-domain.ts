import { DomainView } from '../../../core/domains/domain-schemas.ts';
import { getDomain } from '../../../core/domains/domains.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER } from '../params.ts';
import { ServerDomainParams } from './domain-params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/domains/{domain}`,
  summary: "One of a server's domains, by uuid or by name",
  tag: 'Domains',
  params: ServerDomainParams,
  response: DomainView,
  handle: async ({ ctx, actor, params }) =>
    getDomain(ctx, await resolveServer(ctx, actor, params.org, params.server), params.domain),
});
