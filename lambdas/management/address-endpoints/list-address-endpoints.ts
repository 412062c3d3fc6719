import { AddressEndpointView } from '../../../core/routing/endpoint-schemas.ts';
import { listAddressEndpoints } from '../../../core/routing/address-endpoints.ts';
import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/address-endpoints`,
  summary: "A server's address endpoints, which forward incoming mail to one address",
  tag: 'Address endpoints',
  params: ServerParams,
  query: PageQuery,
  response: pageOf(AddressEndpointView),
  handle: async ({ ctx, actor, params, query }) =>
    listAddressEndpoints(ctx, await resolveServer(ctx, actor, params.org, params.server), query),
});
