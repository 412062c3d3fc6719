import { AddressEndpointView } from '../../../core/routing/endpoint-schemas.ts';
import { getAddressEndpoint } from '../../../core/routing/address-endpoints.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/address-endpoints/{uuid}`,
  summary: 'One address endpoint',
  tag: 'Address endpoints',
  params: ServerItemParams,
  response: AddressEndpointView,
  handle: async ({ ctx, actor, params }) =>
    getAddressEndpoint(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid),
});
