import { IpPoolRuleView } from '../../../core/ip-pools/ip-pool-rule-schemas.ts';
import { listIpPoolRules } from '../../../core/ip-pools/ip-pool-rules.ts';
import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { resolveOrganization } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${ORG}/ip-pool-rules`,
  summary: "An organization's IP pool rules, which apply to all its servers after their own",
  tag: 'IP pool rules',
  params: OrgParams,
  query: PageQuery,
  response: pageOf(IpPoolRuleView),
  handle: async ({ ctx, actor, params, query }) =>
    listIpPoolRules(ctx, await resolveOrganization(ctx, actor, params.org), query),
});
