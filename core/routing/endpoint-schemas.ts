import { z } from 'zod';
import { EmailAddress, Name } from '../management/common-schemas.ts';
import { IsoTime, Uuid, bool, isoTime, isoTimeOrNull } from '../management/view-helpers.ts';
import type { Row } from '../db/schema.ts';
import { TargetHostname, TargetUrl } from './target-schemas.ts';

// Where a route delivers incoming mail: an HTTP receiver, an SMTP server, or one address.

export const HTTP_ENDPOINT_DEFAULTS = {
  encoding: 'BodyAsJSON',
  format: 'Hash',
  strip_replies: false,
  include_attachments: true,
  timeout_seconds: 5,
} as const;

export const HttpEncoding = z.enum(['BodyAsJSON', 'FormData']);
export const HttpFormat = z.enum(['Hash', 'RawMessage']);
/** Postal's bounds: the endpoint Lambda waits at most a minute for a receiver. */
export const TimeoutSeconds = z.number().int().min(5).max(60);

export const HttpEndpointView = z.object({
  uuid: Uuid,
  name: z.string(),
  url: z.string(),
  encoding: HttpEncoding,
  format: HttpFormat,
  strip_replies: z.boolean(),
  include_attachments: z.boolean(),
  timeout_seconds: z.number(),
  last_used_at: IsoTime.nullable(),
  created_at: IsoTime,
  updated_at: IsoTime,
});
export type HttpEndpointView = z.infer<typeof HttpEndpointView>;

const httpFields = {
  name: Name,
  url: TargetUrl,
  encoding: HttpEncoding,
  format: HttpFormat,
  strip_replies: z.boolean(),
  include_attachments: z.boolean(),
  timeout_seconds: TimeoutSeconds,
};

export const CreateHttpEndpointInput = z
  .object(httpFields)
  .partial()
  .required({ name: true, url: true })
  .strict();
export type CreateHttpEndpointInput = z.infer<typeof CreateHttpEndpointInput>;

export const UpdateHttpEndpointInput = z.object(httpFields).partial().strict();
export type UpdateHttpEndpointInput = z.infer<typeof UpdateHttpEndpointInput>;

export function httpEndpointView(row: Row<'http_endpoints'>): HttpEndpointView {
  return {
    uuid: row.uuid,
    name: row.name,
    url: row.url,
    encoding: row.encoding,
    format: row.format,
    strip_replies: bool(row.strip_replies),
    include_attachments: bool(row.include_attachments),
    timeout_seconds: row.timeout_seconds,
    last_used_at: isoTimeOrNull(row.last_used_at),
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}

export const SMTP_ENDPOINT_DEFAULTS = { port: 25, ssl_mode: 'Auto' } as const;

export const SslMode = z.enum(['None', 'Auto', 'STARTTLS', 'TLS']);

export const SmtpEndpointView = z.object({
  uuid: Uuid,
  name: z.string(),
  hostname: z.string(),
  port: z.number(),
  ssl_mode: SslMode,
  last_used_at: IsoTime.nullable(),
  created_at: IsoTime,
  updated_at: IsoTime,
});
export type SmtpEndpointView = z.infer<typeof SmtpEndpointView>;

const smtpFields = {
  name: Name,
  hostname: TargetHostname,
  port: z.number().int().min(1).max(65535),
  ssl_mode: SslMode,
};

export const CreateSmtpEndpointInput = z
  .object(smtpFields)
  .partial()
  .required({ name: true, hostname: true })
  .strict();
export type CreateSmtpEndpointInput = z.infer<typeof CreateSmtpEndpointInput>;

export const UpdateSmtpEndpointInput = z.object(smtpFields).partial().strict();
export type UpdateSmtpEndpointInput = z.infer<typeof UpdateSmtpEndpointInput>;

export function smtpEndpointView(row: Row<'smtp_endpoints'>): SmtpEndpointView {
  return {
    uuid: row.uuid,
    name: row.name,
    hostname: row.hostname,
    port: row.port,
    ssl_mode: row.ssl_mode,
    last_used_at: isoTimeOrNull(row.last_used_at),
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}

export const AddressEndpointView = z.object({
  uuid: Uuid,
  address: z.string(),
  last_used_at: IsoTime.nullable(),
  created_at: IsoTime,
  updated_at: IsoTime,
});
export type AddressEndpointView = z.infer<typeof AddressEndpointView>;

export const CreateAddressEndpointInput = z.object({ address: EmailAddress }).strict();
export type CreateAddressEndpointInput = z.infer<typeof CreateAddressEndpointInput>;

export const UpdateAddressEndpointInput = CreateAddressEndpointInput.partial();
export type UpdateAddressEndpointInput = z.infer<typeof UpdateAddressEndpointInput>;

export function addressEndpointView(row: Row<'address_endpoints'>): AddressEndpointView {
  return {
    uuid: row.uuid,
    address: row.address,
    last_used_at: isoTimeOrNull(row.last_used_at),
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}
