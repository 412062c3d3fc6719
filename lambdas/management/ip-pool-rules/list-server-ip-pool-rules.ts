import { IpPoolRuleView } from '../../../core/ip-pools/ip-pool-rule-schemas.ts';
import { listIpPoolRules } from '../../../core/ip-pools/ip-pool-rules.ts';
import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/ip-pool-rules`,
  summary: "A server's IP pool rules, checked newest first before its organization's",
  tag: 'IP pool rules',
  params: ServerParams,
  query: PageQuery,
  response: pageOf(IpPoolRuleView),
  handle: async ({ ctx, actor, params, query }) =>
    listIpPoolRules(ctx, await resolveServer(ctx, actor, params.org, params.server), query),
});
