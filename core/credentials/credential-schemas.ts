import { isIP } from 'node:net';
import { z } from 'zod';
import { Name } from '../management/common-schemas.ts';
import { IsoTime, Uuid, bool, isoTime, isoTimeOrNull } from '../management/view-helpers.ts';
import type { Row } from '../db/schema.ts';

/** An IPv4 or IPv6 address, or a CIDR network of either family. */
export const Network = z
  .string()
  .trim()
  .max(64)
  .refine((value) => {
    const [address = '', prefix, extra] = value.split('/');
    const family = isIP(address);
    if (family === 0 || extra !== undefined) return false;
    if (prefix === undefined) return true;
    if (!/^\d{1,3}$/.test(prefix)) return false;
    return Number(prefix) <= (family === 4 ? 32 : 128);
  }, 'must be an IP address or a CIDR network');

export const CredentialView = z.object({
  uuid: Uuid,
  type: z.enum(['API', 'SMTP', 'SMTP-IP']),
  name: z.string(),
  /** The first characters of an API or SMTP key; the key itself is shown only when created. */
  key_prefix: z.string().nullable(),
  /** The address or network of an SMTP-IP credential. */
  network: z.string().nullable(),
  hold: z.boolean(),
  /** Postal's usage label, from when the credential was last used. */
  usage: z.enum(['Unused', 'Active', 'Quiet', 'Dormant', 'Inactive']),
  last_used_at: IsoTime.nullable(),
  created_at: IsoTime,
  updated_at: IsoTime,
});
export type CredentialView = z.infer<typeof CredentialView>;

export const NewCredentialView = CredentialView.extend({
  /** The full key, shown once: only its SHA-256 hash is stored. null for SMTP-IP. */
  key: z.string().nullable(),
});
export type NewCredentialView = z.infer<typeof NewCredentialView>;

export const CreateCredentialInput = z.discriminatedUnion('type', [
  z.object({ type: z.enum(['API', 'SMTP']), name: Name, hold: z.boolean().default(false) }).strict(),
  z
    .object({ type: z.literal('SMTP-IP'), name: Name, hold: z.boolean().default(false), network: Network })
    .strict(),
]);
export type CreateCredentialInput = z.infer<typeof CreateCredentialInput>;

export const UpdateCredentialInput = z
  .object({ name: Name, hold: z.boolean(), network: Network })
  .partial()
  .strict();
export type UpdateCredentialInput = z.infer<typeof UpdateCredentialInput>;

const DAY = 86_400_000;

export function usageOf(lastUsedAt: number | null, now: number): CredentialView['usage'] {
  if (lastUsedAt === null) return 'Unused';
  const age = now - lastUsedAt;
  if (age >= 365 * DAY) return 'Inactive';
  if (age >= 182 * DAY) return 'Dormant';
  if (age >= 30 * DAY) return 'Quiet';
  return 'Active';
}

export function credentialView(row: Row<'credentials'>, now: number): CredentialView {
  return {
    uuid: row.uuid,
    type: row.type,
    name: row.name,
    key_prefix: row.key_prefix,
    network: row.network,
    hold: bool(row.hold),
    usage: usageOf(row.last_used_at, now),
    last_used_at: isoTimeOrNull(row.last_used_at),
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}
