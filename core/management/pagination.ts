import { z } from 'zod';
import type { SelectQueryBuilder } from 'kysely';
import type { Database } from '../db/schema.ts';
import { invalid } from '../errors.ts';

export const PageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();
export type PageQuery = z.infer<typeof PageQuery>;

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() });

// Cursors are opaque to clients: the last id seen, so pages stay stable while rows are added.
const encodeCursor = (id: number): string => Buffer.from(`id:${id}`).toString('base64url');

function decodeCursor(cursor: string | undefined): number | null {
  if (cursor === undefined) return null;
  const match = /^id:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw invalid('query.cursor', 'not a cursor this API returned');
  return Number(match[1]);
}

/**
 * Keyset pagination by id over any query whose rows have an `id`: ascending by default, or
 * descending (newest first) for logs.
 */
export async function paginate<TB extends keyof Database, Row extends { id: number }>(
  query: SelectQueryBuilder<Database, TB, Row>,
  idColumn: string,
  page: PageQuery,
  order: 'asc' | 'desc' = 'asc',
): Promise<{ rows: Row[]; next_cursor: string | null }> {
  const after = decodeCursor(page.cursor);
  const bounded =
    after === null ? query : query.where(idColumn as never, order === 'asc' ? '>' : '<', after as never);
  const rows = await bounded
    .orderBy(idColumn as never, order)
    .limit(page.limit + 1)
    .execute();
  const more = rows.length > page.limit;
  const visible = more ? rows.slice(0, page.limit) : rows;
  const last = visible.at(-1);
  return { rows: visible, next_cursor: more && last ? encodeCursor(last.id) : null };
}
