import middy from '@middy/core';
import type { AppContext } from '../../core/context.ts';
import { PosternError } from '../../core/errors.ts';
import { cloudContext, type ContextLoader } from '../context-loader.ts';
import { errorResponse } from '../http/error-response.ts';
import { header, json, type HttpEvent, type HttpResult } from '../http/http-types.ts';
import { requestMetaOf } from '../http/request-meta.ts';
import type { ApiAction } from './api-action.ts';
import { readApiParams } from './api-params.ts';
import { authenticateServer } from './authenticate-server.ts';
import { getDeliveries } from './get-deliveries.ts';
import { getMessage } from './get-message.ts';
import { jwks } from './jwks.ts';
import { PostalApiError, postalFailure, postalRouteNotFound, postalSuccess } from './postal-envelope.ts';
import { sendMessage } from './send-message.ts';
import { sendRaw } from './send-raw.ts';

// Postal's v1 HTTP API (reference/postal.md §2) and the JWKS document. Routes (lambdas/topology.ts):
// ANY /api/v1/{proxy+} and GET /.well-known/jwks.json.

const ACTIONS: Readonly<Record<string, ApiAction>> = {
  'send/message': sendMessage,
  'send/raw': sendRaw,
  'messages/message': getMessage,
  'messages/deliveries': getDeliveries,
};

/** Postal routes its legacy API for these methods; the method makes no difference. */
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH']);
const API_PREFIX = '/api/v1/';
export const JWKS_PATH = '/.well-known/jwks.json';

export function createHandler(load: ContextLoader) {
  return middy<HttpEvent, HttpResult>().handler(async (event) => {
    const startedAt = performance.now();
    const meta = requestMetaOf(event);
    const method = event.requestContext.http.method.toUpperCase();
    const path = event.rawPath;
    if (path === JWKS_PATH && method === 'GET') {
      try {
        return json(200, await jwks((await load()).keys), { 'cache-control': 'public, max-age=300' });
      } catch (error) {
        return errorResponse(error, null, meta.requestId);
      }
    }
    const name = path.startsWith(API_PREFIX) ? path.slice(API_PREFIX.length).replace(/\/$/, '') : '';
    const action = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
    if (!action || !METHODS.has(method)) return postalRouteNotFound(method, path, startedAt);
    let ctx: AppContext | null = null;
    try {
      ctx = await loadOrUnavailable(load);
      // Postal authenticates before it reads any parameter.
      const auth = authenticateServer(ctx.policyIndex(), header(event, 'x-server-api-key'));
      const params = readApiParams(event);
      return postalSuccess(await action({ ...auth, params, ctx, meta }), startedAt);
    } catch (error) {
      return postalFailure(error, ctx?.logger ?? null, meta.requestId, startedAt);
    }
  });
}

async function loadOrUnavailable(load: ContextLoader): Promise<AppContext> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof PosternError && error.code === 'unavailable') {
      throw new PostalApiError('ServiceUnavailable', { message: error.message });
    }
    throw error;
  }
}

export const handler = createHandler(cloudContext);
