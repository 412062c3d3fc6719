import type { z } from 'zod';
import type { Actor } from '../../core/auth/actor.ts';
import type { AppContext } from '../../core/context.ts';

export type EndpointMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestMeta {
  requestId: string;
  ipAddress: string | null;
  userAgent: string | null;
}

export interface EndpointInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  actor: Actor;
  ctx: AppContext;
  meta: RequestMeta;
}

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/**
 * One management endpoint: its route, its schemas (which also make the OpenAPI document) and a
 * handler that calls core. `response` absent means 204 No Content.
 */
export interface Endpoint<
  P extends Schema | undefined = Schema | undefined,
  Q extends Schema | undefined = Schema | undefined,
  B extends Schema | undefined = Schema | undefined,
  R extends Schema | undefined = Schema | undefined,
> {
  method: EndpointMethod;
  path: string;
  summary: string;
  tag: string;
  /** `public` endpoints run without a bearer token (logging in); `actor` is then a placeholder. */
  auth?: 'user' | 'public';
  status?: 200 | 201 | 202;
  params?: P;
  query?: Q;
  body?: B;
  response?: R;
  /** The media type of a response that is not JSON (an export): `response` is then its text. */
  contentType?: string;
  handle(input: EndpointInput<Out<P>, Out<Q>, Out<B>>): Promise<R extends Schema ? z.input<R> : void>;
}

export function defineEndpoint<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  R extends Schema | undefined = undefined,
>(endpoint: Endpoint<P, Q, B, R>): Endpoint {
  return endpoint as unknown as Endpoint;
}
