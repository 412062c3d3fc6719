import { HttpEndpointView } from '../../../core/routing/endpoint-schemas.ts';
import { getHttpEndpoint } from '../../../core/routing/http-endpoints.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/http-endpoints/{uuid}`,
  summary: 'One HTTP endpoint',
  tag: 'HTTP endpoints',
  params: ServerItemParams,
  response: HttpEndpointView,
  handle: async ({ ctx, actor, params }) =>
    getHttpEndpoint(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid),
});
