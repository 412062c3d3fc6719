import { z } from 'zod';
import { IsoTime, Uuid, isoTime } from '../management/view-helpers.ts';
import type { Row } from '../db/schema.ts';
import { HostName } from './ip-pool-schemas.ts';

/** A full address (`user@example.com`) or a domain (`example.com`), lower-cased. */
export const PoolCondition = z
  .string()
  .trim()
  .toLowerCase()
  .max(255)
  .refine((value) => {
    const at = value.lastIndexOf('@');
    const local = value.slice(0, Math.max(at, 0));
    if (at >= 0 && !/^[^\s@]{1,64}$/.test(local)) return false;
    return HostName.safeParse(value.slice(at + 1)).success;
  }, 'must be an email address or a domain');

const Conditions = z
  .array(PoolCondition)
  .max(100)
  .transform((conditions) => [...new Set(conditions)]);

const nonEmpty = (rule: { from: string[]; to: string[] }): boolean => rule.from.length + rule.to.length > 0;
export const NO_CONDITION = 'at least one of from and to needs a condition';

export const CreateIpPoolRuleInput = z
  .object({
    /** The pool mail matching this rule leaves from; it must be assigned to the organization. */
    ip_pool: Uuid,
    /** Matches when any From header address is one of these. */
    from: Conditions.default([]),
    /** Matches when the recipient is one of these. */
    to: Conditions.default([]),
  })
  .strict()
  .refine(nonEmpty, { message: NO_CONDITION, path: ['from'] });
export type CreateIpPoolRuleInput = z.infer<typeof CreateIpPoolRuleInput>;

export const UpdateIpPoolRuleInput = z
  .object({ ip_pool: Uuid, from: Conditions, to: Conditions })
  .partial()
  .strict();
export type UpdateIpPoolRuleInput = z.infer<typeof UpdateIpPoolRuleInput>;

export const IpPoolRuleView = z.object({
  uuid: Uuid,
  ip_pool: Uuid,
  from: z.array(z.string()),
  to: z.array(z.string()),
  created_at: IsoTime,
  updated_at: IsoTime,
});
export type IpPoolRuleView = z.infer<typeof IpPoolRuleView>;

/** Conditions are stored one per line, as Postal's from_text and to_text. */
export const conditionsOf = (text: string): string[] =>
  text
    .split(/[\r\n]+/)
    .map((line) => line.trim().toLowerCase())
    .filter(Boolean);

export const conditionText = (conditions: readonly string[]): string => conditions.join('\n');

export function ipPoolRuleView(row: Row<'ip_pool_rules'> & { ip_pool_uuid: string }): IpPoolRuleView {
  return {
    uuid: row.uuid,
    ip_pool: row.ip_pool_uuid,
    from: conditionsOf(row.from_text),
    to: conditionsOf(row.to_text),
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}
