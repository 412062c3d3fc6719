import { PosternError, type ErrorCode } from '../../core/errors.ts';
import type { Logger } from '../../core/ports.ts';
import { json, type HttpResult } from './http-types.ts';

// The one place an error code becomes an HTTP status (STYLE habit 5).
const statusByCode: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_json: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  internal_error: 500,
  unavailable: 503,
};

export function statusOf(code: ErrorCode): number {
  return statusByCode[code];
}

/** Known errors keep their code; anything else is logged in full and answered with a generic 500. */
export function errorResponse(error: unknown, logger: Logger | null, requestId: string): HttpResult {
  const known =
    error instanceof PosternError
      ? error
      : new PosternError('internal_error', 'something unexpected happened', { cause: error });
  if (known.code === 'internal_error') {
    const fields = {
      requestId,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
    // Without a logger (the context itself failed to load) the runtime's stderr still keeps it.
    if (logger) logger.error('request failed', fields);
    else process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'request failed', ...fields })}\n`);
  }
  const headers: Record<string, string> = {};
  if (known.retryAfter !== undefined) headers['retry-after'] = String(known.retryAfter);
  if (known.code === 'unauthenticated') headers['www-authenticate'] = 'Bearer';
  return json(
    statusOf(known.code),
    {
      error: {
        code: known.code,
        message: known.expose ? known.message : 'something unexpected happened',
        ...(known.details ? { details: known.details } : {}),
        request_id: requestId,
      },
    },
    headers,
  );
}
