import { z } from 'zod';
import { EmailAddress, Name } from '../management/common-schemas.ts';
import { PermalinkSchema } from '../management/permalink.ts';
import { IsoTime, Uuid, bool, isoTime, isoTimeOrNull } from '../management/view-helpers.ts';
import type { Row } from '../db/schema.ts';

export const RESERVED_SERVER_PERMALINKS: ReadonlySet<string> = new Set([
  'new',
  'all',
  'search',
  'stats',
  'edit',
  'manage',
  'delete',
  'destroy',
  'remove',
]);

export const ServerMode = z.enum(['Live', 'Development']);

export const ServerView = z.object({
  uuid: Uuid,
  name: z.string(),
  permalink: z.string(),
  mode: ServerMode,
  /** Suspended when the server or its organization is, otherwise the mode. */
  status: z.enum(['Live', 'Development', 'Suspended']),
  /** Carried in return-path addresses and tracking URLs. */
  token: z.string(),
  ip_pool: Uuid.nullable(),
  spam_threshold: z.number(),
  spam_failure_threshold: z.number(),
  postmaster_address: z.string().nullable(),
  send_limit: z.number().nullable(),
  allow_sender: z.boolean(),
  privacy_mode: z.boolean(),
  log_smtp_data: z.boolean(),
  outbound_spam_threshold: z.number().nullable(),
  message_retention_days: z.number().nullable(),
  raw_message_retention_days: z.number().nullable(),
  raw_message_retention_size: z.number().nullable(),
  suspended_at: IsoTime.nullable(),
  suspension_reason: z.string().nullable(),
  created_at: IsoTime,
  updated_at: IsoTime,
});
export type ServerView = z.infer<typeof ServerView>;

const memberFields = {
  name: Name,
  mode: ServerMode,
  ip_pool: Uuid.nullable(),
  spam_threshold: z.number().min(-10).max(25).multipleOf(0.5),
  spam_failure_threshold: z.number().min(10).max(50).multipleOf(0.5),
  postmaster_address: EmailAddress.nullable(),
};

function retentionDays(description: string) {
  return z.number().int().min(1).max(3650).nullable().describe(description);
}

const adminFields = {
  send_limit: z.number().int().min(1).max(10_000_000).nullable(),
  allow_sender: z.boolean(),
  privacy_mode: z.boolean(),
  log_smtp_data: z.boolean(),
  outbound_spam_threshold: z.number().min(-10).max(50).nullable(),
  message_retention_days: retentionDays(
    'days a message is kept, with its deliveries and bodies, once it is no longer being sent; null keeps it',
  ),
  raw_message_retention_days: retentionDays(
    'days a raw message and its signed copies are kept once no recipient is still being sent; null keeps them',
  ),
  raw_message_retention_size: z
    .number()
    .int()
    .min(1)
    .max(10_000_000)
    .nullable()
    .describe('MB of raw messages the server keeps; the oldest go first, checked hourly; null: no limit'),
};

/** Fields only global administrators may set, as in Postal's Advanced settings. */
export const ADMIN_ONLY_SERVER_FIELDS = Object.keys(adminFields) as readonly (keyof typeof adminFields)[];

export const CreateServerInput = z
  .object({
    ...memberFields,
    ...adminFields,
    permalink: PermalinkSchema.refine((p) => !RESERVED_SERVER_PERMALINKS.has(p), 'reserved'),
  })
  .partial()
  .required({ name: true })
  .strict();
export type CreateServerInput = z.infer<typeof CreateServerInput>;

export const UpdateServerInput = z
  .object({ ...memberFields, ...adminFields })
  .partial()
  .strict();
export type UpdateServerInput = z.infer<typeof UpdateServerInput>;

export const SERVER_DEFAULTS = {
  mode: 'Live',
  spam_threshold: 5,
  spam_failure_threshold: 20,
  message_retention_days: 60,
  raw_message_retention_days: 30,
  raw_message_retention_size: 2048,
} as const;

export function serverView(
  row: Row<'servers'>,
  context: { organizationSuspended: boolean; ipPoolUuid: string | null },
): ServerView {
  return {
    uuid: row.uuid,
    name: row.name,
    permalink: row.permalink,
    mode: row.mode,
    status: row.suspended_at !== null || context.organizationSuspended ? 'Suspended' : row.mode,
    token: row.token,
    ip_pool: context.ipPoolUuid,
    spam_threshold: row.spam_threshold,
    spam_failure_threshold: row.spam_failure_threshold,
    postmaster_address: row.postmaster_address,
    send_limit: row.send_limit,
    allow_sender: bool(row.allow_sender),
    privacy_mode: bool(row.privacy_mode),
    log_smtp_data: bool(row.log_smtp_data),
    outbound_spam_threshold: row.outbound_spam_threshold,
    message_retention_days: row.message_retention_days,
    raw_message_retention_days: row.raw_message_retention_days,
    raw_message_retention_size: row.raw_message_retention_size,
    suspended_at: isoTimeOrNull(row.suspended_at),
    suspension_reason: row.suspension_reason,
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}
