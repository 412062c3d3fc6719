import { IpPoolView } from '../../../core/ip-pools/ip-pool-schemas.ts';
import { listIpPools } from '../../../core/ip-pools/ip-pools.ts';
import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { V1 } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${V1}/ip-pools`,
  summary: "The deployment's IP pools and their addresses (administrators only)",
  tag: 'IP pools',
  query: PageQuery,
  response: pageOf(IpPoolView),
  handle: ({ ctx, actor, query }) => listIpPools(ctx, actor, query),
});
