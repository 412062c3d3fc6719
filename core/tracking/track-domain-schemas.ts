import { z } from 'zod';
import { DnsCheckStatus, hostNameSchema } from '../domains/domain-schemas.ts';
import { IsoTime, Uuid, bool, isoTime, isoTimeOrNull } from '../management/view-helpers.ts';
import type { Row } from '../db/schema.ts';

const TrackName = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'one DNS label: letters, digits and inner dashes');

/** Links to these hosts (exact match) are left alone. */
const ExcludedClickDomains = z.array(hostNameSchema({ requireDot: false })).max(500);

export const TrackDomainView = z.object({
  uuid: Uuid,
  /** The label under the domain, `track` in `track.example.com`. */
  name: z.string(),
  domain: z.string(),
  domain_uuid: Uuid,
  /** The host rewritten links and the open pixel point at. */
  host: z.string(),
  /** The record to publish: the host must be a CNAME of the installation's track domain. */
  dns_record: z.object({ type: z.literal('CNAME'), name: z.string(), value: z.string() }),
  dns_status: DnsCheckStatus.nullable(),
  dns_error: z.string().nullable(),
  dns_checked_at: IsoTime.nullable(),
  /** Rewritten links use https. */
  ssl_enabled: z.boolean(),
  track_clicks: z.boolean(),
  track_loads: z.boolean(),
  excluded_click_domains: z.array(z.string()),
  created_at: IsoTime,
  updated_at: IsoTime,
});
export type TrackDomainView = z.infer<typeof TrackDomainView>;

const settings = {
  ssl_enabled: z.boolean(),
  track_clicks: z.boolean(),
  track_loads: z.boolean(),
  excluded_click_domains: ExcludedClickDomains,
};

export const CreateTrackDomainInput = z
  .object({
    /** The uuid or name of a verified domain of the server or of its organization. */
    domain: z.string().trim().min(1).max(255),
    name: TrackName.default('track'),
    ssl_enabled: settings.ssl_enabled.default(true),
    track_clicks: settings.track_clicks.default(true),
    track_loads: settings.track_loads.default(true),
    excluded_click_domains: settings.excluded_click_domains.default([]),
  })
  .strict();
export type CreateTrackDomainInput = z.infer<typeof CreateTrackDomainInput>;

/** As in Postal, the host is fixed once created: remove the track domain and add another. */
export const UpdateTrackDomainInput = z.object(settings).partial().strict();
export type UpdateTrackDomainInput = z.infer<typeof UpdateTrackDomainInput>;

/** Stored one per line, as Postal stores them. */
export const joinClickDomains = (domains: readonly string[]): string => [...new Set(domains)].join('\n');
const splitClickDomains = (stored: string): string[] => stored.split('\n').filter((line) => line !== '');

export type TrackDomainRow = Row<'track_domains'> & { domain_name: string; domain_uuid: string };

export const trackHost = (name: string, domainName: string): string => `${name}.${domainName}`;

export function trackDomainView(row: TrackDomainRow, installationTrackDomain: string): TrackDomainView {
  const host = trackHost(row.name, row.domain_name);
  return {
    uuid: row.uuid,
    name: row.name,
    domain: row.domain_name,
    domain_uuid: row.domain_uuid,
    host,
    dns_record: { type: 'CNAME', name: host, value: installationTrackDomain },
    dns_status: row.dns_status,
    dns_error: row.dns_error,
    dns_checked_at: isoTimeOrNull(row.dns_checked_at),
    ssl_enabled: bool(row.ssl_enabled),
    track_clicks: bool(row.track_clicks),
    track_loads: bool(row.track_loads),
    excluded_click_domains: splitClickDomains(row.excluded_click_domains),
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}
