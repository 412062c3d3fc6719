import { z } from 'zod';
import { AssignIpPoolsInput, IpPoolView } from '../../../core/ip-pools/ip-pool-schemas.ts';
import { assignIpPools } from '../../../core/ip-pools/ip-pools.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgParams } from '../params.ts';

export default defineEndpoint({
  method: 'PUT',
  path: `${ORG}/ip-pools`,
  summary:
    "Replace an organization's IP pools (administrators only); servers and rules using a removed pool lose it",
  tag: 'IP pools',
  params: OrgParams,
  body: AssignIpPoolsInput,
  response: z.object({ data: z.array(IpPoolView) }),
  handle: async ({ ctx, actor, params, body }) => ({
    data: await assignIpPools(ctx, actor, params.org, body),
  }),
});
