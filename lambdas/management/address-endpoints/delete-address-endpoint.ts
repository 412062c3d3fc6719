import { deleteAddressEndpoint } from '../../../core/routing/address-endpoints.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: `${SERVER}/address-endpoints/{uuid}`,
  summary: 'Delete an address endpoint; routes delivering to it switch to Reject',
  tag: 'Address endpoints',
  params: ServerItemParams,
  handle: async ({ ctx, actor, params }) =>
    deleteAddressEndpoint(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid),
});
