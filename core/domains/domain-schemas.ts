import { z } from 'zod';
import { IsoTime, Uuid, bool, isoTime, isoTimeOrNull } from '../management/view-helpers.ts';
import type { Row } from '../db/schema.ts';
import { dnsOk } from './dns-checks.ts';
import { parseHostName } from './host-name.ts';

/** A host name, normalized (lower case, punycode) and checked; `requireDot` for domains one owns. */
export const hostNameSchema = (options: { requireDot: boolean }) =>
  z
    .string()
    .max(1024)
    .transform((value, ctx) => {
      const parsed = parseHostName(value, options);
      if (parsed.ok) return parsed.name;
      ctx.issues.push({ code: 'custom', message: parsed.reason, input: value });
      return z.NEVER;
    });

export const DomainName = hostNameSchema({ requireDot: true });

export const DnsCheckStatus = z.enum(['OK', 'Missing', 'Invalid']);

export const DnsRecord = z.object({
  purpose: z.enum(['verification', 'spf', 'dkim', 'return_path', 'mx']),
  type: z.enum(['TXT', 'CNAME', 'MX']),
  /** The full name the record is published at. */
  name: z.string(),
  value: z.string(),
  /** MX only. */
  priority: z.number().optional(),
  /** TXT only: the value as the character strings (at most 255 bytes each) it is published as. */
  strings: z.array(z.string()).optional(),
});
export type DnsRecord = z.infer<typeof DnsRecord>;

export const DomainView = z.object({
  uuid: Uuid,
  name: z.string(),
  /** A server's own domain, or one of the organization's, usable by all its servers. */
  level: z.enum(['server', 'organization']),
  verification_method: z.enum(['DNS', 'Email']),
  verified: z.boolean(),
  verified_at: IsoTime.nullable(),
  /** A server may send from any domain with this one's authority (administrators only). */
  use_for_any: z.boolean(),
  dkim_selector: z.string(),
  dns_records: z.array(DnsRecord),
  spf_status: DnsCheckStatus.nullable(),
  spf_error: z.string().nullable(),
  dkim_status: DnsCheckStatus.nullable(),
  dkim_error: z.string().nullable(),
  mx_status: DnsCheckStatus.nullable(),
  mx_error: z.string().nullable(),
  return_path_status: DnsCheckStatus.nullable(),
  return_path_error: z.string().nullable(),
  /** null until the records are first checked. A status null after a check: its lookup failed (see the error). */
  dns_checked_at: IsoTime.nullable(),
  /** SPF and DKIM OK, MX and return path OK or missing: what Postal calls a working setup. */
  dns_ok: z.boolean(),
  created_at: IsoTime,
  updated_at: IsoTime,
});
export type DomainView = z.infer<typeof DomainView>;

export const VerifyDomainView = DomainView.extend({
  /** Why the domain is still unverified; null once it is verified. */
  verification_error: z.string().nullable(),
});
export type VerifyDomainView = z.infer<typeof VerifyDomainView>;

const VerificationMethod = z
  .enum(['DNS', 'Email'])
  .default('DNS')
  .refine(
    (method) => method === 'DNS',
    'Email verification needs outgoing mail, which Postern does not send yet; use DNS',
  );

export const CreateOrganizationDomainInput = z
  .object({ name: DomainName, verification_method: VerificationMethod })
  .strict();

export const CreateDomainInput = CreateOrganizationDomainInput.extend({
  use_for_any: z.boolean().default(false),
}).strict();
/** What both levels accept; use_for_any only comes from a server domain's input. */
export type CreateDomainInput = z.infer<typeof CreateOrganizationDomainInput> & { use_for_any?: boolean };

export const UpdateDomainInput = z.object({ use_for_any: z.boolean() }).partial().strict();
export type UpdateDomainInput = z.infer<typeof UpdateDomainInput>;

export interface DomainViewExtras {
  dkimSelector: string;
  dnsRecords: DnsRecord[];
}

export function domainView(row: Row<'domains'>, extras: DomainViewExtras): DomainView {
  return {
    uuid: row.uuid,
    name: row.name,
    level: row.server_id === null ? 'organization' : 'server',
    verification_method: row.verification_method,
    verified: row.verified_at !== null,
    verified_at: isoTimeOrNull(row.verified_at),
    use_for_any: bool(row.use_for_any),
    dkim_selector: extras.dkimSelector,
    dns_records: extras.dnsRecords,
    spf_status: row.spf_status,
    spf_error: row.spf_error,
    dkim_status: row.dkim_status,
    dkim_error: row.dkim_error,
    mx_status: row.mx_status,
    mx_error: row.mx_error,
    return_path_status: row.return_path_status,
    return_path_error: row.return_path_error,
    dns_checked_at: isoTimeOrNull(row.dns_checked_at),
    dns_ok: dnsOk({
      spf: row.spf_status,
      dkim: row.dkim_status,
      mx: row.mx_status,
      returnPath: row.return_path_status,
    }),
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}
