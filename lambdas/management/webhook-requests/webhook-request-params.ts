import { z } from 'zod';
import { ServerItemParams } from '../params.ts';

/** A webhook (`uuid`) and one of its logged attempts (`request`, that attempt's uuid). */
export const WebhookRequestParams = ServerItemParams.extend({ request: z.string().min(1).max(255) });
