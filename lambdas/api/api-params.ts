import { bodyText, header, type HttpEvent } from '../http/http-types.ts';
import { PostalParameterError } from './postal-envelope.ts';

// Postal's v1 parameters (LegacyAPI::BaseController#api_params): a JSON body with an
// application/json content type, merged over the query string as Rails merges them; otherwise
// a `params` field (form body or query string) holding JSON. Unknown fields are ignored, and
// values are read as loosely as Ruby reads them.

export type ApiParams = Readonly<Record<string, unknown>>;

export function readApiParams(event: HttpEvent): ApiParams {
  const query = new URLSearchParams(event.rawQueryString ?? '');
  const contentType = header(event, 'content-type') ?? '';
  if (/^application\/json/i.test(contentType)) {
    const text = bodyText(event);
    const body = text.trim() === '' ? {} : parseJson(text);
    return { ...Object.fromEntries(query), ...(isObject(body) ? body : {}) };
  }
  const form = /^application\/x-www-form-urlencoded/i.test(contentType)
    ? new URLSearchParams(bodyText(event))
    : new URLSearchParams();
  const params = form.get('params') ?? query.get('params');
  if (params === null || params.trim() === '') return {};
  const parsed = parseJson(params);
  return isObject(parsed) ? parsed : {};
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new PostalParameterError('The parameters are not valid JSON');
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Ruby's `blank?`: nil, false, empty or whitespace-only strings, empty arrays and hashes. */
export function isBlank(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** Ruby truthiness, as `api_params["bounce"] ? true : false` reads a flag: only nil and false are false. */
export function isTruthy(value: unknown): boolean {
  return value !== null && value !== undefined && value !== false;
}

/** A scalar as text (Ruby's `to_s`); null for nil, arrays and objects. */
export function textOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** The `id` of messages/message and messages/deliveries, checked as Postal's find_message does. */
export function messageIdParam(params: ApiParams): number {
  const id = params.id;
  if (isBlank(id)) throw new PostalParameterError('`id` parameter is required but is missing');
  if (typeof id !== 'string' && !(typeof id === 'number' && Number.isInteger(id))) {
    throw new PostalParameterError('`id` parameter must be a string or integer');
  }
  // Ruby's to_i: the leading integer, 0 when there is none (and no message has id 0).
  const match = /^\s*[+-]?\d+/.exec(String(id));
  return match ? Number(match[0]) : 0;
}

/** Control characters in an address would end up in an SMTP command: never accept them. */
export function hasControlCharacters(value: string): boolean {
  return /[\x00-\x1f\x7f]/.test(value);
}
