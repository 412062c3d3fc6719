import { HttpEndpointView } from '../../../core/routing/endpoint-schemas.ts';
import { listHttpEndpoints } from '../../../core/routing/http-endpoints.ts';
import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/http-endpoints`,
  summary: "A server's HTTP endpoints, which receive incoming mail by POST",
  tag: 'HTTP endpoints',
  params: ServerParams,
  query: PageQuery,
  response: pageOf(HttpEndpointView),
  handle: async ({ ctx, actor, params, query }) =>
    listHttpEndpoints(ctx, await resolveServer(ctx, actor, params.org, params.server), query),
});
