import { deleteDomain } from '../../../core/domains/domains.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER } from '../params.ts';
import { ServerDomainParams } from './domain-params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: `${SERVER}/domains/{domain}`,
  summary: "Remove a server's domain with its routes and track domains",
  tag: 'Domains',
  params: ServerDomainParams,
  handle: async ({ ctx, actor, params }) =>
    deleteDomain(ctx, await resolveServer(ctx, actor, params.org, params.server), params.domain),
});
