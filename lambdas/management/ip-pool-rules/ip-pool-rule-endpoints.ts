import type { Endpoint } from '../../http/endpoint.ts';
import listIpPoolRules from './list-ip-pool-rules.ts';
import createIpPoolRule from './create-ip-pool-rule.ts';
import getIpPoolRule from './get-ip-pool-rule.ts';
import updateIpPoolRule from './update-ip-pool-rule.ts';
import deleteIpPoolRule from './delete-ip-pool-rule.ts';
import listServerIpPoolRules from './list-server-ip-pool-rules.ts';
import createServerIpPoolRule from './create-server-ip-pool-rule.ts';
import getServerIpPoolRule from './get-server-ip-pool-rule.ts';
import updateServerIpPoolRule from './update-server-ip-pool-rule.ts';
import deleteServerIpPoolRule from './delete-server-ip-pool-rule.ts';

export const ipPoolRuleEndpoints: readonly Endpoint[] = [
  listIpPoolRules,
  createIpPoolRule,
  getIpPoolRule,
  updateIpPoolRule,
  deleteIpPoolRule,
  listServerIpPoolRules,
  createServerIpPoolRule,
  getServerIpPoolRule,
  updateServerIpPoolRule,
  deleteServerIpPoolRule,
];
