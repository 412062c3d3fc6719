import { CreateRouteInput, RouteView } from '../../../core/routing/route-schemas.ts';
import { createRoute } from '../../../core/routing/routes.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${SERVER}/routes`,
  summary:
    'Create a route for incoming mail: an address (or `*`) of a verified domain and what happens to its mail',
  tag: 'Routes',
  status: 201,
  params: ServerParams,
  body: CreateRouteInput,
  response: RouteView,
  handle: async ({ ctx, actor, params, body }) =>
    createRoute(ctx, await resolveServer(ctx, actor, params.org, params.server), body),
});
