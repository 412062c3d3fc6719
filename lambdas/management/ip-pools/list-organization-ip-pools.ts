import { z } from 'zod';
import { IpPoolView } from '../../../core/ip-pools/ip-pool-schemas.ts';
import { listOrganizationIpPools } from '../../../core/ip-pools/ip-pools.ts';
import { resolveOrganization } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${ORG}/ip-pools`,
  summary: "The IP pools an organization's servers and rules may use",
  tag: 'IP pools',
  params: OrgParams,
  response: z.object({ data: z.array(IpPoolView) }),
  handle: async ({ ctx, actor, params }) => ({
    data: await listOrganizationIpPools(ctx, await resolveOrganization(ctx, actor, params.org)),
  }),
});
