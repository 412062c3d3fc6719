import { deleteRoute } from '../../../core/routing/routes.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: `${SERVER}/routes/{uuid}`,
  summary: 'Delete a route; the SMTP edge refuses its address at once',
  tag: 'Routes',
  params: ServerItemParams,
  handle: async ({ ctx, actor, params }) =>
    deleteRoute(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid),
});
