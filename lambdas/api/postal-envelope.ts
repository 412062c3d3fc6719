import { z } from 'zod';
import type { Logger } from '../../core/ports.ts';
import { json, type HttpResult } from '../http/http-types.ts';

// Postal's v1 API envelope (reference/postal.md §2): HTTP 200 whatever happened, and a body of
// `{status, time, flags: {}, data}` where status is success, error or parameter-error. This is
// the one place this API's errors become responses (STYLE habit 5).

/** Every error code this API answers with: Postal's, plus two for failures Postal has no code for. */
export const PostalErrorCode = z.enum([
  'AccessDenied',
  'InvalidServerAPIKey',
  'ServerSuspended',
  'NoRecipients',
  'TooManyToAddresses',
  'TooManyCCAddresses',
  'TooManyBCCAddresses',
  'NoContent',
  'FromAddressMissing',
  'UnauthenticatedFromAddress',
  'AttachmentMissingName',
  'AttachmentMissingData',
  'MessageNotFound',
  // Not Postal's: the policy snapshot is not loaded yet, or the message could not be made
  // durable. Postal would fail with an HTML error page; a client should retry.
  'ServiceUnavailable',
  // Not Postal's: a bug; logged in full, answered without details.
  'InternalServerError',
  // Not Postal's: Rails answers an unknown path with a 404 page.
  'RouteNotFound',
]);
export type PostalErrorCode = z.infer<typeof PostalErrorCode>;

/** An `error` answer: its code and the extra data Postal puts beside it (message, token, id). */
export class PostalApiError extends Error {
  readonly code: PostalErrorCode;
  readonly data: Readonly<Record<string, unknown>>;

  constructor(code: PostalErrorCode, data: Record<string, unknown> = {}) {
    super(typeof data.message === 'string' ? data.message : code);
    this.name = 'PostalApiError';
    this.code = code;
    this.data = data;
  }
}

/** A `parameter-error` answer, with Postal's sentence (e.g. "`id` parameter is required but is missing"). */
export class PostalParameterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostalParameterError';
  }
}

const OK = 200;
const NOT_FOUND = 404;

/** Seconds since `startedAt` (a performance.now() reading), rounded to 3 decimals as Postal does. */
function elapsed(startedAt: number): number {
  return Math.round(performance.now() - startedAt) / 1000;
}

function envelope(status: 'success' | 'error' | 'parameter-error', data: unknown, startedAt: number) {
  return { status, time: elapsed(startedAt), flags: {}, data };
}

export function postalSuccess(data: unknown, startedAt: number): HttpResult {
  return json(OK, envelope('success', data, startedAt));
}

export function postalRouteNotFound(method: string, path: string, startedAt: number): HttpResult {
  const data = { message: `No route matches [${method}] "${path}"`, code: 'RouteNotFound' };
  return json(NOT_FOUND, envelope('error', data, startedAt));
}

/** Known errors keep their code; anything else is logged in full and answered as InternalServerError. */
export function postalFailure(
  error: unknown,
  logger: Logger | null,
  requestId: string,
  startedAt: number,
): HttpResult {
  if (error instanceof PostalParameterError) {
    return json(OK, envelope('parameter-error', { message: error.message }, startedAt));
  }
  if (error instanceof PostalApiError) {
    // Postal merges the code in last: `data.merge(code: code)`.
    return json(OK, envelope('error', { ...error.data, code: error.code }, startedAt));
  }
  const fields = {
    requestId,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  };
  if (logger) logger.error('api request failed', fields);
  else process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'api request failed', ...fields })}\n`);
  const data = {
    message: 'something unexpected happened',
    request_id: requestId,
    code: 'InternalServerError',
  };
  return json(OK, envelope('error', data, startedAt));
}
