import type { LogFields } from '../ports.ts';

export const REDACTED = '[redacted]';
export const MAX_STRING_LENGTH = 2000;
const MAX_DEPTH = 8;

// Credentials and message content never reach a log, whatever a caller passes (STYLE.md habit 15).
const SECRET_NAMES = new Set([
  'password',
  'pass',
  'secret',
  'token',
  'key',
  'authorization',
  'cookie',
  'set-cookie',
  'body',
  'raw',
  'data',
]);

function isSecretName(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    SECRET_NAMES.has(lower) ||
    /[_-](key|token)$/.test(lower) ||
    // camelCase: apiKey, sessionToken, smtpPassword, clientSecret
    /[a-z0-9](Key|Token|Password|Secret)$/.test(name)
  );
}

/**
 * A deep copy of `fields` that is safe to log: values under secret or body-like names replaced by
 * '[redacted]', strings capped at 2,000 characters, byte arrays reduced to their length, errors to
 * their name, message, code, stack and cause, and cycles cut.
 */
export function redact(fields: LogFields): LogFields {
  return copyObject(fields, new Set(), 0);
}

function copyObject(value: object, seen: Set<object>, depth: number): LogFields {
  const copy: LogFields = {};
  for (const [name, item] of Object.entries(value)) {
    copy[name] = isSecretName(name) ? REDACTED : copyValue(item, seen, depth + 1);
  }
  return copy;
}

function copyValue(value: unknown, seen: Set<object>, depth: number): unknown {
  if (typeof value === 'string') return capString(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (seen.has(value)) return '[circular]';
  if (depth > MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => copyValue(item, seen, depth + 1));
    if (value instanceof Error) {
      const { name, message, stack } = value;
      const code = (value as { code?: unknown }).code;
      const own = copyObject(value, seen, depth);
      return {
        ...own,
        name,
        message: capString(message),
        ...(code === undefined ? {} : { code }),
        stack: capString(stack ?? ''),
        // Not enumerable, so not among `own`, yet often the part that explains the failure.
        ...(value.cause === undefined ? {} : { cause: copyValue(value.cause, seen, depth + 1) }),
      };
    }
    if (value instanceof Map) return copyObject(Object.fromEntries(value), seen, depth);
    if (value instanceof Set) return [...value].map((item) => copyValue(item, seen, depth + 1));
    return copyObject(value, seen, depth);
  } finally {
    seen.delete(value);
  }
}

function capString(value: string): string {
  if (value.length <= MAX_STRING_LENGTH) return value;
  return `${value.slice(0, MAX_STRING_LENGTH)}…[${value.length - MAX_STRING_LENGTH} more characters]`;
}
