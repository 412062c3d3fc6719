import { IpPoolRuleView } from '../../../core/ip-pools/ip-pool-rule-schemas.ts';
import { getIpPoolRule } from '../../../core/ip-pools/ip-pool-rules.ts';
import { resolveOrganization } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${ORG}/ip-pool-rules/{uuid}`,
  summary: "One of an organization's IP pool rules",
  tag: 'IP pool rules',
  params: OrgItemParams,
  response: IpPoolRuleView,
  handle: async ({ ctx, actor, params }) =>
    getIpPoolRule(ctx, await resolveOrganization(ctx, actor, params.org), params.uuid),
});
