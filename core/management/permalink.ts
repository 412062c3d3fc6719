import { z } from 'zod';

export const PermalinkSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9-]+$/, 'only lower-case letters, digits and dashes');

/** Derives a permalink from a name, as Postal does: lower case, a-z0-9 and dashes. */
export function permalinkFrom(name: string): string {
  const base = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56);
  return base || 'item';
}

/** The first of `base`, `base-2`, `base-3`… that is neither taken nor reserved. */
export function uniquePermalink(
  base: string,
  taken: ReadonlySet<string>,
  reserved: ReadonlySet<string>,
): string {
  for (let n = 1; ; n += 1) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (!taken.has(candidate) && !reserved.has(candidate)) return candidate;
  }
}
