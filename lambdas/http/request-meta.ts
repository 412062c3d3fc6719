import type { RequestMeta } from './endpoint.ts';
import { header, type HttpEvent } from './http-types.ts';

export function requestMetaOf(event: HttpEvent): RequestMeta {
  return {
    requestId: event.requestContext.requestId,
    ipAddress: event.requestContext.http.sourceIp || null,
    userAgent: header(event, 'user-agent') ?? null,
  };
}
