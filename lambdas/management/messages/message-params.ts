import { z } from 'zod';
import { ServerParams } from '../params.ts';

export const MessageParams = ServerParams.extend({ id: z.coerce.number().int().positive() });
