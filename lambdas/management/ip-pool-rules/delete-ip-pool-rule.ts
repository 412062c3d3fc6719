import { deleteIpPoolRule } from '../../../core/ip-pools/ip-pool-rules.ts';
import { resolveOrganization } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: `${ORG}/ip-pool-rules/{uuid}`,
  summary: "Delete an organization's IP pool rule",
  tag: 'IP pool rules',
  params: OrgItemParams,
  handle: async ({ ctx, actor, params }) =>
    deleteIpPoolRule(ctx, await resolveOrganization(ctx, actor, params.org), params.uuid),
});
