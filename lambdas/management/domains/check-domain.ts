import { DomainView } from '../../../core/domains/domain-schemas.ts';
import { checkDomain } from '../../../core/domains/domain-checks.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER } from '../params.ts';
import { ServerDomainParams } from './domain-params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${SERVER}/domains/{domain}/check`,
  summary: "Check the domain's SPF, DKIM, MX and return-path records and store the results",
  tag: 'Domains',
  params: ServerDomainParams,
  response: DomainView,
  handle: async ({ ctx, actor, params }) =>
    checkDomain(ctx, await resolveServer(ctx, actor, params.org, params.server), params.domain),
});
