import { CreateDomainInput, DomainView } from '../../../core/domains/domain-schemas.ts';
import { createDomain } from '../../../core/domains/domains.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${SERVER}/domains`,
  summary: "Add a domain to a server with a new DKIM key; an administrator's is verified at once",
  tag: 'Domains',
  status: 201,
  params: ServerParams,
  body: CreateDomainInput,
  response: DomainView,
  handle: async ({ ctx, actor, params, body }) =>
    createDomain(ctx, await resolveServer(ctx, actor, params.org, params.server), body),
});
