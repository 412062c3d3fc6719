import type { Endpoint } from '../../http/endpoint.ts';
import listIpPools from './list-ip-pools.ts';
import getIpPool from './get-ip-pool.ts';
import listOrganizationIpPools from './list-organization-ip-pools.ts';
import assignIpPools from './assign-ip-pools.ts';

export const ipPoolEndpoints: readonly Endpoint[] = [
  listIpPools,
  getIpPool,
  listOrganizationIpPools,
  assignIpPools,
];
