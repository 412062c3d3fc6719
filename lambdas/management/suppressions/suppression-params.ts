import { z } from 'zod';
import { ServerParams } from '../params.ts';

/** An entry is addressed by its (URL-encoded) address; lookups lower-case it. */
export const SuppressionParams = ServerParams.extend({ address: z.string().min(1).max(255) });
