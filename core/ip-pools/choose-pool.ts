import type { Row } from '../db/schema.ts';
import { conditionsOf } from './ip-pool-rule-schemas.ts';

export type PoolRule = Pick<
  Row<'ip_pool_rules'>,
  'id' | 'server_id' | 'ip_pool_id' | 'from_text' | 'to_text' | 'created_at'
>;

export interface PoolChoiceMessage {
  /** The From header's addresses. */
  from: readonly string[];
  rcptTo: string;
}

/**
 * The pool an outgoing message leaves from, by Postal's rules: the server's rules first, then its
 * organization's, newest first within each; the first rule with a From address or the recipient
 * matching one of its conditions wins. null: no rule matched, the server's own pool applies.
 */
export function choosePool(rules: readonly PoolRule[], message: PoolChoiceMessage): number | null {
  const from = message.from.map(bareAddress);
  const to = bareAddress(message.rcptTo);
  const ordered = [...rules].sort((a, b) => rank(a) - rank(b) || b.created_at - a.created_at || b.id - a.id);
  const chosen = ordered.find(
    (rule) => from.some((address) => matchesAny(rule.from_text, address)) || matchesAny(rule.to_text, to),
  );
  return chosen?.ip_pool_id ?? null;
}

const rank = (rule: PoolRule): number => (rule.server_id === null ? 1 : 0);

/** `Name <user@example.com>` → `user@example.com`, lower-cased. */
function bareAddress(address: string): string {
  const angled = /<([^>]*)>/.exec(address);
  return (angled?.[1] ?? address).trim().toLowerCase();
}

function matchesAny(conditionText: string, address: string): boolean {
  const at = address.lastIndexOf('@');
  if (at <= 0) return false;
  const domain = address.slice(at + 1);
  // As Postal, a +tag does not stop `user@example.com` matching `user+tag@example.com`.
  const untagged = `${address.slice(0, at).split('+')[0]}@${domain}`;
  return conditionsOf(conditionText).some((condition) =>
    condition.includes('@') ? condition === address || condition === untagged : condition === domain,
  );
}
