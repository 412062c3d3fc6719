import { UpdateAddressEndpointInput, AddressEndpointView } from '../../../core/routing/endpoint-schemas.ts';
import { updateAddressEndpoint } from '../../../core/routing/address-endpoints.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'PATCH',
  path: `${SERVER}/address-endpoints/{uuid}`,
  summary: "Change an address endpoint's address",
  tag: 'Address endpoints',
  params: ServerItemParams,
  body: UpdateAddressEndpointInput,
  response: AddressEndpointView,
  handle: async ({ ctx, actor, params, body }) =>
    updateAddressEndpoint(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid, body),
});
