import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../../core/ports.ts';
import type { HttpEvent, HttpResult } from '../../lambdas/http/http-types.ts';
import { toHttpEvent } from './http-event.ts';
import { lambdaContext } from './lambda-context.ts';
import type { LoadedFunction } from './function-loader.ts';
import { RouteTable } from './route-table.ts';

/** API Gateway's payload limit; larger bodies are refused before they reach a handler. */
const MAX_BODY = 10 * 1024 * 1024;

export type LocalRoute = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

export interface LocalHttpServerOptions {
  host: string;
  port: number;
  functions: readonly LoadedFunction[];
  /** Local-only pages tried before the topology's routes: /health, /metrics, the SPA. */
  localRoutes: readonly LocalRoute[];
  logger: Logger;
  clock: { now(): number };
  /**
   * Runs after a request that may have changed something (any method but GET, HEAD and OPTIONS)
   * and before its answer, unless its function answers durably itself: the local database syncs
   * commits in groups, and a person told that a change was made must find it after a crash of
   * the machine too.
   */
  syncAfterChange(): Promise<void>;
  /** Called as each request arrives. */
  onRequest?: () => void;
}

const READ_ONLY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface LocalHttpServer {
  server: Server;
  port: number;
  /** Routes each topology HTTP route to its function, as API Gateway would. */
  routes: RouteTable<LoadedFunction>;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, result: HttpResult): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const body = result.body ?? '';
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

const jsonError = (statusCode: number, code: string, message: string): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify({ error: { code, message } }),
});

export async function startHttpServer(options: LocalHttpServerOptions): Promise<LocalHttpServer> {
  const routes = new RouteTable<LoadedFunction>();
  for (const fn of options.functions) {
    for (const trigger of fn.spec.triggers) {
      if (trigger.kind === 'http') for (const route of trigger.routes) routes.add(route, fn);
    }
  }
  const inFlight = new Set<Promise<void>>();

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    for (const local of options.localRoutes) if (await local(request, response)) return;
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const match = routes.match(request.method ?? 'GET', path);
    if (!match)
      return send(response, jsonError(404, 'route_not_found', `no route for ${request.method} ${path}`));
    const body = await readBody(request);
    if (body === null) return send(response, jsonError(413, 'payload_too_large', 'the body exceeds 10 MB'));
    const event: HttpEvent = toHttpEvent(request, url, body, match, options.clock.now());
    const fn = match.target;
    const result = (await fn.invoke(
      event,
      lambdaContext(fn.spec.name, fn.spec.timeoutSeconds),
    )) as HttpResult;
    if (!READ_ONLY_METHODS.has(request.method ?? 'GET') && !fn.spec.answersDurably) {
      await options.syncAfterChange();
    }
    send(response, result);
  }

  const server = createServer((request, response) => {
    options.onRequest?.();
    const work = handle(request, response).catch((error: unknown) => {
      options.logger.error('local HTTP request failed', { error: String(error), url: request.url });
      if (!response.headersSent)
        send(response, jsonError(500, 'internal_error', 'something unexpected happened'));
      else response.destroy();
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : options.port,
    routes,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.allSettled([...inFlight]);
      await closed;
    },
  };
}
