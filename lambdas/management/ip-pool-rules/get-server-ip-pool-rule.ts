import { IpPoolRuleView } from '../../../core/ip-pools/ip-pool-rule-schemas.ts';
import { getIpPoolRule } from '../../../core/ip-pools/ip-pool-rules.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/ip-pool-rules/{uuid}`,
  summary: "One of a server's IP pool rules",
  tag: 'IP pool rules',
  params: ServerItemParams,
  response: IpPoolRuleView,
  handle: async ({ ctx, actor, params }) =>
    getIpPoolRule(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid),
});
