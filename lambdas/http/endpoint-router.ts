import type { z } from 'zod';
import type { Actor } from '../../core/auth/actor.ts';
import type { AppContext } from '../../core/context.ts';
import { PosternError, fromZodError } from '../../core/errors.ts';
import type { Endpoint, RequestMeta } from './endpoint.ts';
import { compilePathTemplate, type PathTemplate } from './path-template.ts';
import { bodyText, header, json, type HttpEvent, type HttpResult } from './http-types.ts';

export type Authenticate = (ctx: AppContext, bearer: string | null, meta: RequestMeta) => Promise<Actor>;

interface Compiled {
  endpoint: Endpoint;
  path: PathTemplate;
}

function parseWith(schema: z.ZodType | undefined, value: unknown, prefix: string): unknown {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw fromZodError(parsed.error, prefix);
  return parsed.data;
}

function parseJsonBody(event: HttpEvent): unknown {
  const text = bodyText(event);
  if (text.trim() === '') return {};
  const type = header(event, 'content-type') ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new PosternError('unsupported_media_type', 'request bodies must be application/json');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new PosternError('invalid_json', 'the request body is not valid JSON');
  }
}

function bearerToken(event: HttpEvent): string | null {
  const value = header(event, 'authorization');
  const match = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  return match?.[1] ?? null;
}

/** Routes an HTTP API event to one endpoint, parses its input, runs it and shapes the reply. */
export class EndpointRouter {
  readonly #routes: readonly Compiled[];
  readonly #authenticate: Authenticate;

  constructor(endpoints: readonly Endpoint[], authenticate: Authenticate) {
    this.#routes = endpoints.map((endpoint) => ({ endpoint, path: compilePathTemplate(endpoint.path) }));
    this.#authenticate = authenticate;
  }

  get endpoints(): readonly Endpoint[] {
    return this.#routes.map((route) => route.endpoint);
  }

  async dispatch(event: HttpEvent, ctx: AppContext, meta: RequestMeta): Promise<HttpResult> {
    const method = event.requestContext.http.method.toUpperCase();
    const path = event.rawPath;
    let pathMatched = false;
    for (const { endpoint, path: template } of this.#routes) {
      const rawParams = template.match(path);
      if (!rawParams) continue;
      pathMatched = true;
      if (endpoint.method !== method) continue;
      const actor =
        endpoint.auth === 'public'
          ? publicActor(meta)
          : await this.#authenticate(ctx, bearerToken(event), meta);
      const params = parseWith(endpoint.params, rawParams, 'path');
      const query = parseWith(endpoint.query, event.queryStringParameters ?? {}, 'query');
      const body = endpoint.body ? parseWith(endpoint.body, parseJsonBody(event), '') : undefined;
      const result = await endpoint.handle({ params, query, body, actor, ctx, meta } as never);
      if (!endpoint.response) return { statusCode: 204, headers: {}, body: '' };
      const output = endpoint.response.parse(result);
      if (endpoint.contentType) {
        return {
          statusCode: endpoint.status ?? 200,
          headers: { 'content-type': endpoint.contentType },
          body: String(output),
        };
      }
      return json(endpoint.status ?? 200, output);
    }
    if (pathMatched) throw new PosternError('method_not_allowed', `${method} is not allowed on ${path}`);
    throw new PosternError('route_not_found', `no route for ${method} ${path}`);
  }
}

function publicActor(meta: RequestMeta): Actor {
  return {
    userId: 0,
    userUuid: '',
    email: 'anonymous',
    admin: false,
    sessionId: null,
    ipAddress: meta.ipAddress,
  };
}
