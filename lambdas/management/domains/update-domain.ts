import { DomainView, UpdateDomainInput } from '../../../core/domains/domain-schemas.ts';
import { updateDomain } from '../../../core/domains/domains.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER } from '../params.ts';
import { ServerDomainParams } from './domain-params.ts';

export default defineEndpoint({
  method: 'PATCH',
  path: `${SERVER}/domains/{domain}`,
  summary: 'Set use_for_any: whether the server may send from any domain at all (administrators only)',
  tag: 'Domains',
  params: ServerDomainParams,
  body: UpdateDomainInput,
  response: DomainView,
  handle: async ({ ctx, actor, params, body }) =>
    updateDomain(ctx, await resolveServer(ctx, actor, params.org, params.server), params.domain, body),
});
