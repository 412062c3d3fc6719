import type { AppContext } from '../context.ts';
import type { AuditEntry } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { checkCname, lookup, type CheckOutcome } from '../domains/dns-checks.ts';
import { findUsableDomain } from '../domains/domains.ts';
import { conflict, invalid, notFound, type PosternError } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { paginate, type Page, type PageQuery } from '../management/pagination.ts';
import type { ServerScope } from '../management/scope.ts';
import { bit } from '../management/view-helpers.ts';
import {
  joinClickDomains,
  trackDomainView,
  trackHost,
  type CreateTrackDomainInput,
  type TrackDomainRow,
  type TrackDomainView,
  type UpdateTrackDomainInput,
} from './track-domain-schemas.ts';

const MAX_HOST = 253;

const withDomain = (db: Db, scope: ServerScope) =>
  db
    .selectFrom('track_domains')
    .innerJoin('domains', 'domains.id', 'track_domains.domain_id')
    .selectAll('track_domains')
    .select(['domains.name as domain_name', 'domains.uuid as domain_uuid'])
    .where('track_domains.server_id', '=', scope.server.id);

async function findTrackDomain(db: Db, scope: ServerScope, uuid: string): Promise<TrackDomainRow> {
  const row = await withDomain(db, scope).where('track_domains.uuid', '=', uuid).executeTakeFirst();
  if (!row) throw notFound('track domain');
  return row;
}

const audit = (
  scope: ServerScope,
  verb: string,
  uuid: string,
  changes: Record<string, unknown>,
): AuditEntry => ({
  action: `track_domain.${verb}`,
  resourceType: 'track_domain',
  resourceUuid: uuid,
  organizationId: scope.organization.id,
  serverId: scope.server.id,
  changes,
});

/** Postal's check: the host must be a CNAME of the installation's track domain, exactly. */
async function checkHost(ctx: AppContext, host: string): Promise<CheckOutcome> {
  return checkCname(host, await lookup(() => ctx.dns.cname(host)), ctx.installation.trackDomain);
}

const present = (ctx: AppContext, row: TrackDomainRow): TrackDomainView =>
  trackDomainView(row, ctx.installation.trackDomain);

export async function listTrackDomains(
  ctx: AppContext,
  scope: ServerScope,
  page: PageQuery,
): Promise<Page<TrackDomainView>> {
  const { rows, next_cursor } = await paginate(withDomain(ctx.db, scope), 'track_domains.id', page);
  return { data: rows.map((row) => present(ctx, row)), next_cursor };
}

export async function getTrackDomain(
  ctx: AppContext,
  scope: ServerScope,
  uuid: string,
): Promise<TrackDomainView> {
  return present(ctx, await findTrackDomain(ctx.db, scope, uuid));
}

const domainTaken = (): PosternError =>
  conflict('domain', 'this server already has a track domain for this domain');

/** Checks the host's CNAME at once, as Postal does when a track domain is added. */
export async function createTrackDomain(
  ctx: AppContext,
  scope: ServerScope,
  input: CreateTrackDomainInput,
): Promise<TrackDomainView> {
  const domain = await findUsableDomain(ctx.db, scope, input.domain);
  if (!domain)
    throw invalid('domain', 'no verified domain of this server or its organization has this name or uuid');
  const host = trackHost(input.name, domain.name);
  if (host.length > MAX_HOST) throw invalid('name', `${host} is longer than ${MAX_HOST} characters`);
  const dns = await checkHost(ctx, host);
  const now = ctx.clock.now();
  try {
    const row = await mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
      const existing = await trx
        .selectFrom('track_domains')
        .select('id')
        .where('server_id', '=', scope.server.id)
        .where('domain_id', '=', domain.id)
        .executeTakeFirst();
      if (existing) throw domainTaken();
      const uuid = ctx.ids.uuid();
      await trx
        .insertInto('track_domains')
        .values({
          uuid,
          server_id: scope.server.id,
          domain_id: domain.id,
          name: input.name,
          dns_status: dns.status,
          dns_error: dns.error,
          dns_checked_at: now,
          ssl_enabled: bit(input.ssl_enabled),
          track_clicks: bit(input.track_clicks),
          track_loads: bit(input.track_loads),
          excluded_click_domains: joinClickDomains(input.excluded_click_domains),
          created_at: now,
          updated_at: now,
        })
        .execute();
      return {
        result: await findTrackDomain(trx, scope, uuid),
        audit: audit(scope, 'create', uuid, { ...input, domain: domain.name }),
      };
    });
    return present(ctx, row);
  } catch (error) {
    if (isUniqueViolation(error)) throw domainTaken();
    throw error;
  }
}

export async function updateTrackDomain(
  ctx: AppContext,
  scope: ServerScope,
  uuid: string,
  input: UpdateTrackDomainInput,
): Promise<TrackDomainView> {
  const now = ctx.clock.now();
  const row = await mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
    const trackDomain = await findTrackDomain(trx, scope, uuid);
    await trx
      .updateTable('track_domains')
      .set({
        ...(input.ssl_enabled !== undefined ? { ssl_enabled: bit(input.ssl_enabled) } : {}),
        ...(input.track_clicks !== undefined ? { track_clicks: bit(input.track_clicks) } : {}),
        ...(input.track_loads !== undefined ? { track_loads: bit(input.track_loads) } : {}),
        ...(input.excluded_click_domains !== undefined
          ? { excluded_click_domains: joinClickDomains(input.excluded_click_domains) }
          : {}),
        updated_at: now,
      })
      .where('id', '=', trackDomain.id)
      .execute();
    return {
      result: await findTrackDomain(trx, scope, uuid),
      audit: audit(scope, 'update', uuid, { ...input }),
    };
  });
  return present(ctx, row);
}

export async function deleteTrackDomain(ctx: AppContext, scope: ServerScope, uuid: string): Promise<void> {
  await mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
    const trackDomain = await findTrackDomain(trx, scope, uuid);
    await trx.deleteFrom('track_domains').where('id', '=', trackDomain.id).execute();
    return {
      result: undefined,
      audit: audit(scope, 'delete', uuid, { host: trackHost(trackDomain.name, trackDomain.domain_name) }),
    };
  });
}

/** Re-checks the CNAME; a failed lookup is stored as status null with its reason. */
export async function checkTrackDomain(
  ctx: AppContext,
  scope: ServerScope,
  uuid: string,
): Promise<TrackDomainView> {
  const trackDomain = await findTrackDomain(ctx.db, scope, uuid);
  const dns = await checkHost(ctx, trackHost(trackDomain.name, trackDomain.domain_name));
  const now = ctx.clock.now();
  const row = await mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
    await trx
      .updateTable('track_domains')
      .set({ dns_status: dns.status, dns_error: dns.error, dns_checked_at: now, updated_at: now })
      .where('id', '=', trackDomain.id)
      .execute();
    return {
      result: await findTrackDomain(trx, scope, uuid),
      audit: audit(scope, 'check', uuid, { status: dns.status }),
    };
  });
  return present(ctx, row);
}
