import { UpdateRouteInput, RouteView } from '../../../core/routing/route-schemas.ts';
import { updateRoute } from '../../../core/routing/routes.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'PATCH',
  path: `${SERVER}/routes/{uuid}`,
  summary: "Change a route's name, domain, mode, spam mode or endpoints",
  tag: 'Routes',
  params: ServerItemParams,
  body: UpdateRouteInput,
  response: RouteView,
  handle: async ({ ctx, actor, params, body }) =>
    updateRoute(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid, body),
});
