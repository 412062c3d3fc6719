import { RouteView } from '../../../core/routing/route-schemas.ts';
import { listRoutes } from '../../../core/routing/routes.ts';
import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/routes`,
  summary: "A server's routes for incoming mail",
  tag: 'Routes',
  params: ServerParams,
  query: PageQuery,
  response: pageOf(RouteView),
  handle: async ({ ctx, actor, params, query }) =>
    listRoutes(ctx, await resolveServer(ctx, actor, params.org, params.server), query),
});
