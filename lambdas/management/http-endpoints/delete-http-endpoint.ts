import { deleteHttpEndpoint } from '../../../core/routing/http-endpoints.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: `${SERVER}/http-endpoints/{uuid}`,
  summary: 'Delete an HTTP endpoint; routes delivering to it switch to Reject',
  tag: 'HTTP endpoints',
  params: ServerItemParams,
  handle: async ({ ctx, actor, params }) =>
    deleteHttpEndpoint(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid),
});
