import middy from '@middy/core';
import { authenticate } from '../../core/auth/sessions.ts';
import { EndpointRouter } from '../http/endpoint-router.ts';
import { errorResponse } from '../http/error-response.ts';
import { json, type HttpEvent, type HttpResult } from '../http/http-types.ts';
import { buildOpenApiDocument } from '../http/openapi.ts';
import { requestMetaOf } from '../http/request-meta.ts';
import { cloudContext, type ContextLoader } from '../context-loader.ts';
import { managementEndpoints } from './endpoints.ts';
import { V1 } from './params.ts';
import packageJson from '../../package.json' with { type: 'json' };

const OPENAPI_PATH = `${V1}/openapi.json`;

export const openApiDocument = buildOpenApiDocument(managementEndpoints, {
  title: 'Postern management API',
  version: packageJson.version,
  description:
    'Manage organizations, mail servers, domains, credentials, routes, endpoints, webhooks and more. ' +
    'Authenticate with a bearer token from POST /management/v1/sessions or a personal access token.',
  documentPath: OPENAPI_PATH,
});

export function createHandler(load: ContextLoader) {
  const router = new EndpointRouter(managementEndpoints, authenticate);
  return middy<HttpEvent, HttpResult>().handler(async (event) => {
    const meta = requestMetaOf(event);
    if (event.rawPath === OPENAPI_PATH && event.requestContext.http.method === 'GET') {
      return json(200, openApiDocument);
    }
    let ctx;
    try {
      ctx = await load();
    } catch (error) {
      return errorResponse(error, null, meta.requestId);
    }
    try {
      return await router.dispatch(event, ctx, meta);
    } catch (error) {
      return errorResponse(error, ctx.logger, meta.requestId);
    }
  });
}

export const handler = createHandler(cloudContext);
