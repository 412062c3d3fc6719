import { CreateAddressEndpointInput, AddressEndpointView } from '../../../core/routing/endpoint-schemas.ts';
import { createAddressEndpoint } from '../../../core/routing/address-endpoints.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${SERVER}/address-endpoints`,
  summary: 'Create an address endpoint',
  tag: 'Address endpoints',
  status: 201,
  params: ServerParams,
  body: CreateAddressEndpointInput,
  response: AddressEndpointView,
  handle: async ({ ctx, actor, params, body }) =>
    createAddressEndpoint(ctx, await resolveServer(ctx, actor, params.org, params.server), body),
});
