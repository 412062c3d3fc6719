import { IpPoolRuleView, UpdateIpPoolRuleInput } from '../../../core/ip-pools/ip-pool-rule-schemas.ts';
import { updateIpPoolRule } from '../../../core/ip-pools/ip-pool-rules.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'PATCH',
  path: `${SERVER}/ip-pool-rules/{uuid}`,
  summary: "Change a server's IP pool rule",
  tag: 'IP pool rules',
  params: ServerItemParams,
  body: UpdateIpPoolRuleInput,
  response: IpPoolRuleView,
  handle: async ({ ctx, actor, params, body }) =>
    updateIpPoolRule(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid, body),
});
