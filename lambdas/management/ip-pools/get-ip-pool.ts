import { IpPoolView } from '../../../core/ip-pools/ip-pool-schemas.ts';
import { getIpPool } from '../../../core/ip-pools/ip-pools.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { UuidParams, V1 } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${V1}/ip-pools/{uuid}`,
  summary: 'One IP pool and its addresses (administrators only)',
  tag: 'IP pools',
  params: UuidParams,
  response: IpPoolView,
  handle: ({ ctx, actor, params }) => getIpPool(ctx, actor, params.uuid),
});
