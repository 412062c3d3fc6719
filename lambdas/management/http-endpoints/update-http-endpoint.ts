import { UpdateHttpEndpointInput, HttpEndpointView } from '../../../core/routing/endpoint-schemas.ts';
import { updateHttpEndpoint } from '../../../core/routing/http-endpoints.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'PATCH',
  path: `${SERVER}/http-endpoints/{uuid}`,
  summary: 'Change an HTTP endpoint',
  tag: 'HTTP endpoints',
  params: ServerItemParams,
  body: UpdateHttpEndpointInput,
  response: HttpEndpointView,
  handle: async ({ ctx, actor, params, body }) =>
    updateHttpEndpoint(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid, body),
});
