import { RouteView } from '../../../core/routing/route-schemas.ts';
import { getRoute } from '../../../core/routing/routes.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/routes/{uuid}`,
  summary: 'One route',
  tag: 'Routes',
  params: ServerItemParams,
  response: RouteView,
  handle: async ({ ctx, actor, params }) =>
    getRoute(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid),
});
