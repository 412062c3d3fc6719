import { z } from 'zod';
import { EmailAddress, Name, Password, TimeZone } from '../management/common-schemas.ts';
import { PermalinkSchema } from '../management/permalink.ts';
import { IsoTime, Uuid, bool, isoTime } from '../management/view-helpers.ts';
import type { Row } from '../db/schema.ts';

export const UserView = z.object({
  uuid: Uuid,
  email: z.string(),
  first_name: z.string(),
  last_name: z.string(),
  admin: z.boolean(),
  time_zone: z.string(),
  created_at: IsoTime,
  updated_at: IsoTime,
});
export type UserView = z.infer<typeof UserView>;

export const CreateUserInput = z
  .object({
    email: EmailAddress,
    first_name: Name,
    last_name: z.string().trim().max(100).default(''),
    password: Password,
    admin: z.boolean().default(false),
    time_zone: TimeZone.default('UTC'),
    /** Permalinks of the organizations the user joins. */
    organizations: z.array(PermalinkSchema).max(100).default([]),
  })
  .strict();
export type CreateUserInput = z.infer<typeof CreateUserInput>;

export const UpdateUserInput = z
  .object({
    email: EmailAddress,
    first_name: Name,
    last_name: z.string().trim().max(100),
    password: Password,
    admin: z.boolean(),
    time_zone: TimeZone,
    organizations: z.array(PermalinkSchema).max(100),
  })
  .partial()
  .strict();
export type UpdateUserInput = z.infer<typeof UpdateUserInput>;

export function userView(row: Row<'users'>): UserView {
  return {
    uuid: row.uuid,
    email: row.email,
    first_name: row.first_name,
    last_name: row.last_name,
    admin: bool(row.admin),
    time_zone: row.time_zone,
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}
