import { z } from 'zod';

// One closed set of error codes. Each edge maps a code once: lambdas/ to an HTTP status, the
// SMTP edge to a reply. Codes are snake_case because they are part of the management API.
export const ErrorCode = z.enum([
  'invalid_request',
  'invalid_json',
  'unauthenticated',
  'forbidden',
  'not_found',
  'route_not_found',
  'method_not_allowed',
  'conflict',
  'too_many_requests',
  'unsupported_media_type',
  'payload_too_large',
  'unavailable',
  'internal_error',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export interface ErrorDetail {
  field: string;
  message: string;
}

export class PosternError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[] | undefined;
  /** Seconds a client should wait, for too_many_requests and unavailable. */
  readonly retryAfter: number | undefined;
  /** Whether the message may reach a client; internal errors show a generic text instead. */
  readonly expose: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: readonly ErrorDetail[]; retryAfter?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'PosternError';
    this.code = code;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
    this.expose = code !== 'internal_error';
  }
}

export const notFound = (what: string): PosternError => new PosternError('not_found', `${what} not found`);

export const invalid = (field: string, message: string): PosternError =>
  new PosternError('invalid_request', `${field}: ${message}`, { details: [{ field, message }] });

export const conflict = (field: string, message: string): PosternError =>
  new PosternError('conflict', `${field}: ${message}`, { details: [{ field, message }] });

/** Turns a zod failure into the invalid_request error, naming each offending field. */
export function fromZodError(error: z.ZodError, prefix = ''): PosternError {
  const fieldOf = (path: readonly PropertyKey[]): string =>
    [prefix, ...path.map(String)].filter(Boolean).join('.') || '(body)';
  const details = error.issues.flatMap((issue): ErrorDetail[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: fieldOf([...issue.path, key]), message: 'unknown field' }))
      : [{ field: fieldOf(issue.path), message: issue.message }],
  );
  const first = details[0];
  return new PosternError('invalid_request', first ? `${first.field}: ${first.message}` : 'invalid request', {
    details,
  });
}
