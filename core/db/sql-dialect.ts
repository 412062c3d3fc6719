import { z } from 'zod';

/** The SQL families the schema is written for; Aurora's Data API speaks the mysql family. */
export const SqlDialect = z.enum(['sqlite', 'mysql']);
export type SqlDialect = z.infer<typeof SqlDialect>;
