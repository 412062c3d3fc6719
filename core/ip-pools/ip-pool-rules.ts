import type { AppContext } from '../context.ts';
import type { Db } from '../db/database.ts';
import { invalid, notFound } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { paginate, type Page, type PageQuery } from '../management/pagination.ts';
import type { OrganizationScope, ServerScope } from '../management/scope.ts';
import {
  NO_CONDITION,
  conditionText,
  conditionsOf,
  ipPoolRuleView,
  type CreateIpPoolRuleInput,
  type IpPoolRuleView,
  type UpdateIpPoolRuleInput,
} from './ip-pool-rule-schemas.ts';

/** Rules of an organization (applying to all its servers) or of one server. */
export type RuleScope = OrganizationScope | ServerScope;

const serverIdOf = (scope: RuleScope): number | null => ('server' in scope ? scope.server.id : null);

export async function listIpPoolRules(
  ctx: AppContext,
  scope: RuleScope,
  page: PageQuery,
): Promise<Page<IpPoolRuleView>> {
  const { rows, next_cursor } = await paginate(rulesOf(ctx.db, scope), 'ip_pool_rules.id', page);
  return { data: rows.map(ipPoolRuleView), next_cursor };
}

export async function getIpPoolRule(
  ctx: AppContext,
  scope: RuleScope,
  uuid: string,
): Promise<IpPoolRuleView> {
  return ipPoolRuleView(await findRule(ctx.db, scope, uuid));
}

export async function createIpPoolRule(
  ctx: AppContext,
  scope: RuleScope,
  input: CreateIpPoolRuleInput,
): Promise<IpPoolRuleView> {
  const now = ctx.clock.now();
  return mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
    const uuid = ctx.ids.uuid();
    await trx
      .insertInto('ip_pool_rules')
      .values({
        uuid,
        organization_id: scope.organization.id,
        server_id: serverIdOf(scope),
        ip_pool_id: await assignedPoolId(trx, scope, input.ip_pool),
        from_text: conditionText(input.from),
        to_text: conditionText(input.to),
        created_at: now,
        updated_at: now,
      })
      .execute();
    return {
      result: ipPoolRuleView(await findRule(trx, scope, uuid)),
      audit: auditOf(scope, 'ip_pool_rule.create', uuid, { ...input }),
    };
  });
}

export async function updateIpPoolRule(
  ctx: AppContext,
  scope: RuleScope,
  uuid: string,
  input: UpdateIpPoolRuleInput,
): Promise<IpPoolRuleView> {
  return mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
    const rule = await findRule(trx, scope, uuid);
    const from = input.from ?? conditionsOf(rule.from_text);
    const to = input.to ?? conditionsOf(rule.to_text);
    if (from.length + to.length === 0) throw invalid(input.from ? 'from' : 'to', NO_CONDITION);
    await trx
      .updateTable('ip_pool_rules')
      .set({
        ...(input.ip_pool !== undefined
          ? { ip_pool_id: await assignedPoolId(trx, scope, input.ip_pool) }
          : {}),
        from_text: conditionText(from),
        to_text: conditionText(to),
        updated_at: ctx.clock.now(),
      })
      .where('id', '=', rule.id)
      .execute();
    return {
      result: ipPoolRuleView(await findRule(trx, scope, uuid)),
      audit: auditOf(scope, 'ip_pool_rule.update', uuid, { ...input }),
    };
  });
}

export async function deleteIpPoolRule(ctx: AppContext, scope: RuleScope, uuid: string): Promise<void> {
  await mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
    const rule = await findRule(trx, scope, uuid);
    await trx.deleteFrom('ip_pool_rules').where('id', '=', rule.id).execute();
    return {
      result: undefined,
      audit: auditOf(scope, 'ip_pool_rule.delete', uuid, {
        ip_pool: rule.ip_pool_uuid,
        from: conditionsOf(rule.from_text),
        to: conditionsOf(rule.to_text),
      }),
    };
  });
}

function rulesOf(db: Db, scope: RuleScope) {
  const serverId = serverIdOf(scope);
  const rules = db
    .selectFrom('ip_pool_rules')
    .innerJoin('ip_pools', 'ip_pools.id', 'ip_pool_rules.ip_pool_id')
    .selectAll('ip_pool_rules')
    .select('ip_pools.uuid as ip_pool_uuid')
    .where('ip_pool_rules.organization_id', '=', scope.organization.id);
  return serverId === null
    ? rules.where('ip_pool_rules.server_id', 'is', null)
    : rules.where('ip_pool_rules.server_id', '=', serverId);
}

async function findRule(db: Db, scope: RuleScope, uuid: string) {
  const rule = await rulesOf(db, scope).where('ip_pool_rules.uuid', '=', uuid).executeTakeFirst();
  if (!rule) throw notFound('IP pool rule');
  return rule;
}

async function assignedPoolId(trx: Db, scope: RuleScope, uuid: string): Promise<number> {
  const pool = await trx
    .selectFrom('ip_pools')
    .innerJoin('organization_ip_pools', 'organization_ip_pools.ip_pool_id', 'ip_pools.id')
    .select('ip_pools.id')
    .where('ip_pools.uuid', '=', uuid)
    .where('organization_ip_pools.organization_id', '=', scope.organization.id)
    .executeTakeFirst();
  if (!pool) throw invalid('ip_pool', 'this IP pool is not assigned to the organization');
  return pool.id;
}

function auditOf(scope: RuleScope, action: string, uuid: string, changes: Record<string, unknown>) {
  return {
    action,
    resourceType: 'ip_pool_rule',
    resourceUuid: uuid,
    organizationId: scope.organization.id,
    serverId: serverIdOf(scope),
    changes,
  };
}
