import { deleteIpPoolRule } from '../../../core/ip-pools/ip-pool-rules.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: `${SERVER}/ip-pool-rules/{uuid}`,
  summary: "Delete a server's IP pool rule",
  tag: 'IP pool rules',
  params: ServerItemParams,
  handle: async ({ ctx, actor, params }) =>
    deleteIpPoolRule(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid),
});
