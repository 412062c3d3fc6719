import type { AppContext } from '../../core/context.ts';
import type { RequestMeta } from '../http/endpoint.ts';
import type { ApiParams } from './api-params.ts';
import type { ServerAuth } from './authenticate-server.ts';

/** One v1 action: reads its params, calls core, and returns the envelope's `data`. */
export type ApiAction = (input: ApiActionInput) => Promise<unknown>;

export interface ApiActionInput extends ServerAuth {
  params: ApiParams;
  ctx: AppContext;
  meta: RequestMeta;
}
