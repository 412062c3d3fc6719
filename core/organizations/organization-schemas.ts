import { z } from 'zod';
import { EmailAddress, Name, TimeZone } from '../management/common-schemas.ts';
import { PermalinkSchema } from '../management/permalink.ts';
import { IsoTime, Uuid, isoTime } from '../management/view-helpers.ts';
import type { Row } from '../db/schema.ts';

export const RESERVED_ORGANIZATION_PERMALINKS: ReadonlySet<string> = new Set([
  'new',
  'edit',
  'remove',
  'delete',
  'destroy',
  'admin',
  'mail',
  'org',
  'server',
]);

export const OrganizationView = z.object({
  uuid: Uuid,
  name: z.string(),
  permalink: z.string(),
  time_zone: z.string(),
  suspended: z.boolean(),
  suspension_reason: z.string().nullable(),
  created_at: IsoTime,
  updated_at: IsoTime,
});
export type OrganizationView = z.infer<typeof OrganizationView>;

export const CreateOrganizationInput = z
  .object({
    name: Name,
    permalink: PermalinkSchema.refine((p) => !RESERVED_ORGANIZATION_PERMALINKS.has(p), 'reserved').optional(),
    time_zone: TimeZone.default('UTC'),
    /** The first member; the creating administrator when absent. */
    owner_email: EmailAddress.optional(),
  })
  .strict();
export type CreateOrganizationInput = z.infer<typeof CreateOrganizationInput>;

export const UpdateOrganizationInput = z.object({ name: Name, time_zone: TimeZone }).partial().strict();
export type UpdateOrganizationInput = z.infer<typeof UpdateOrganizationInput>;

export const SuspendInput = z.object({ reason: z.string().trim().min(1).max(500) }).strict();
export type SuspendInput = z.infer<typeof SuspendInput>;

export const MemberView = z.object({
  user_uuid: Uuid,
  email: z.string(),
  first_name: z.string(),
  last_name: z.string(),
  role: z.enum(['admin', 'member']),
  joined_at: IsoTime,
});
export type MemberView = z.infer<typeof MemberView>;

export const AddMemberInput = z
  .object({ email: EmailAddress, role: z.enum(['admin', 'member']).default('member') })
  .strict();
export type AddMemberInput = z.infer<typeof AddMemberInput>;

export function organizationView(row: Row<'organizations'>): OrganizationView {
  return {
    uuid: row.uuid,
    name: row.name,
    permalink: row.permalink,
    time_zone: row.time_zone,
    suspended: row.suspended_at !== null,
    suspension_reason: row.suspension_reason,
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}
