import { IpPoolRuleView, UpdateIpPoolRuleInput } from '../../../core/ip-pools/ip-pool-rule-schemas.ts';
import { updateIpPoolRule } from '../../../core/ip-pools/ip-pool-rules.ts';
import { resolveOrganization } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'PATCH',
  path: `${ORG}/ip-pool-rules/{uuid}`,
  summary: "Change an organization's IP pool rule",
  tag: 'IP pool rules',
  params: OrgItemParams,
  body: UpdateIpPoolRuleInput,
  response: IpPoolRuleView,
  handle: async ({ ctx, actor, params, body }) =>
    updateIpPoolRule(ctx, await resolveOrganization(ctx, actor, params.org), params.uuid, body),
});
