import { z } from 'zod';
import type { Row } from '../db/schema.ts';
import { IsoTime, Uuid, isoTime } from '../management/view-helpers.ts';
import { EndpointRef, EndpointSummary } from './endpoint-directory.ts';

/** The route that takes bounces sent to the server's return path that match no message. */
export const RETURN_PATH_ROUTE = '__returnpath__';
/** The route that takes every address of its domain that no other route names. */
export const WILDCARD_ROUTE = '*';

export const RouteMode = z.enum(['Endpoint', 'Accept', 'Hold', 'Bounce', 'Reject']);
export type RouteMode = z.infer<typeof RouteMode>;
export const SpamMode = z.enum(['Mark', 'Quarantine', 'Fail']);

export const RouteName = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(100)
  .regex(/^(?:[a-z0-9.-]+|\*|__returnpath__)$/, 'only a-z, 0-9, "-" and ".", or "*", or "__returnpath__"');

export const RouteView = z.object({
  uuid: Uuid,
  name: z.string(),
  /** null only for the `__returnpath__` route. */
  domain: z.object({ uuid: Uuid, name: z.string() }).nullable(),
  /** `name@domain`; null for the `__returnpath__` route. */
  address: z.string().nullable(),
  /** Mail to this address reaches the route without changing the domain's MX. */
  forward_address: z.string(),
  mode: RouteMode,
  spam_mode: SpamMode,
  /** The endpoint of an Endpoint route; null in other modes. */
  endpoint: EndpointSummary.nullable(),
  /** Further endpoints that each receive their own copy of the message. */
  additional_endpoints: z.array(EndpointSummary),
  created_at: IsoTime,
  updated_at: IsoTime,
});
export type RouteView = z.infer<typeof RouteView>;

const DomainRef = z.string().trim().min(1).max(255).describe('the uuid or name of a verified domain');

export const CreateRouteInput = z
  .object({
    name: RouteName,
    domain: DomainRef.nullable().optional(),
    mode: RouteMode.default('Endpoint'),
    spam_mode: SpamMode.default('Mark'),
    endpoint: EndpointRef.nullable().optional(),
    additional_endpoints: z.array(EndpointRef).max(20).default([]),
  })
  .strict();
export type CreateRouteInput = z.infer<typeof CreateRouteInput>;

export const UpdateRouteInput = z
  .object({
    name: RouteName,
    domain: DomainRef.nullable(),
    mode: RouteMode,
    spam_mode: SpamMode,
    endpoint: EndpointRef.nullable(),
    additional_endpoints: z.array(EndpointRef).max(20),
  })
  .partial()
  .strict();
export type UpdateRouteInput = z.infer<typeof UpdateRouteInput>;

export type RouteRow = Row<'routes'> & { domain_uuid: string | null; domain_name: string | null };

export function routeView(
  row: RouteRow,
  links: { endpoint: EndpointSummary | null; additional: EndpointSummary[]; routeDomain: string },
): RouteView {
  const domain =
    row.domain_uuid !== null && row.domain_name !== null
      ? { uuid: row.domain_uuid, name: row.domain_name }
      : null;
  return {
    uuid: row.uuid,
    name: row.name,
    domain,
    address: domain ? `${row.name}@${domain.name}` : null,
    forward_address: `${row.token}@${links.routeDomain}`,
    mode: row.mode,
    spam_mode: row.spam_mode,
    endpoint: links.endpoint,
    additional_endpoints: links.additional,
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}
