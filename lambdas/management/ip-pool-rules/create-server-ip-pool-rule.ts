import { CreateIpPoolRuleInput, IpPoolRuleView } from '../../../core/ip-pools/ip-pool-rule-schemas.ts';
import { createIpPoolRule } from '../../../core/ip-pools/ip-pool-rules.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${SERVER}/ip-pool-rules`,
  summary:
    "Send a server's mail from or to some addresses or domains through one of its organization's pools",
  tag: 'IP pool rules',
  status: 201,
  params: ServerParams,
  body: CreateIpPoolRuleInput,
  response: IpPoolRuleView,
  handle: async ({ ctx, actor, params, body }) =>
    createIpPoolRule(ctx, await resolveServer(ctx, actor, params.org, params.server), body),
});
