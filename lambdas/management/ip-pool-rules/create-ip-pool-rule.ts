import { CreateIpPoolRuleInput, IpPoolRuleView } from '../../../core/ip-pools/ip-pool-rule-schemas.ts';
import { createIpPoolRule } from '../../../core/ip-pools/ip-pool-rules.ts';
import { resolveOrganization } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${ORG}/ip-pool-rules`,
  summary: "Send mail from or to some addresses or domains through one of the organization's pools",
  tag: 'IP pool rules',
  status: 201,
  params: OrgParams,
  body: CreateIpPoolRuleInput,
  response: IpPoolRuleView,
  handle: async ({ ctx, actor, params, body }) =>
    createIpPoolRule(ctx, await resolveOrganization(ctx, actor, params.org), body),
});
