import { CreateHttpEndpointInput, HttpEndpointView } from '../../../core/routing/endpoint-schemas.ts';
import { createHttpEndpoint } from '../../../core/routing/http-endpoints.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${SERVER}/http-endpoints`,
  summary: 'Create an HTTP endpoint',
  tag: 'HTTP endpoints',
  status: 201,
  params: ServerParams,
  body: CreateHttpEndpointInput,
  response: HttpEndpointView,
  handle: async ({ ctx, actor, params, body }) =>
    createHttpEndpoint(ctx, await resolveServer(ctx, actor, params.org, params.server), body),
});
