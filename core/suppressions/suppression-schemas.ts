import { z } from 'zod';
import { EmailAddress } from '../management/common-schemas.ts';
import { PageQuery } from '../management/pagination.ts';
import { IsoTime, isoTime, isoTimeOrNull } from '../management/view-helpers.ts';
import type { Row } from '../db/schema.ts';

export const SuppressionView = z.object({
  address: z.string(),
  reason: z.string(),
  /** 'automatic' entries come from delivery results, 'manual' ones from this API. */
  source: z.enum(['automatic', 'manual']),
  /** When the address was first suppressed; re-adding it keeps this time. */
  timestamp: IsoTime,
  /** When the entry stops applying; null keeps it until it is removed. */
  keep_until: IsoTime.nullable(),
});
export type SuppressionView = z.infer<typeof SuppressionView>;

export const CreateSuppressionInput = z
  .object({
    address: EmailAddress,
    reason: z.string().trim().min(1).max(500).default('added manually'),
    /** Default: 30 days from now, as Postal's automatic entries; null: until removed. */
    keep_until: z.iso
      .datetime({ offset: true })
      .transform((value) => Date.parse(value))
      .nullable()
      .optional(),
  })
  .strict();
export type CreateSuppressionInput = z.infer<typeof CreateSuppressionInput>;

export const SuppressionQuery = PageQuery.extend({
  /** Only entries whose address contains this text. */
  address: z.string().trim().min(1).max(255).optional(),
});
export type SuppressionQuery = z.infer<typeof SuppressionQuery>;

export function suppressionView(row: Row<'suppressions'>): SuppressionView {
  return {
    address: row.address,
    reason: row.reason,
    source: row.source,
    timestamp: isoTime(row.timestamp),
    keep_until: isoTimeOrNull(row.keep_until),
  };
}

const CSV_COLUMNS = ['address', 'reason', 'source', 'timestamp', 'keep_until'] as const;

// RFC 4180: a field holding a comma, quote or line break is quoted, quotes doubled. A field a
// spreadsheet would take for a formula (=, +, -, @, tab or CR first; reasons are typed by people)
// is written after a single quote, which spreadsheets show as text (OWASP's CSV injection advice).
const csvField = (value: string | null): string => {
  if (value === null) return '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export function suppressionCsv(views: readonly SuppressionView[]): string {
  const lines = [
    CSV_COLUMNS.join(','),
    ...views.map((view) => CSV_COLUMNS.map((c) => csvField(view[c])).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}
