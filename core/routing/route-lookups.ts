import { domainToASCII } from 'node:url';
import type { AppContext } from '../context.ts';
import type { Db } from '../db/database.ts';
import { conflict, invalid } from '../errors.ts';
import type { ServerScope } from '../management/scope.ts';
import { Uuid } from '../management/view-helpers.ts';
import type { EndpointDirectory, EndpointEntry, EndpointRef } from './endpoint-directory.ts';
import type { RouteShape } from './route-rules.ts';
import { RETURN_PATH_ROUTE, type RouteRow } from './route-schemas.ts';

// What a route change reads before it writes: the endpoints and domain it names, whether its
// name is free, and a fresh token. Each refusal is a 400 or 409 naming the field.

const TOKEN_LENGTH = 8;

/** The directory entries of the shape's endpoints, or a 400 for one the server does not have. */
export function resolveTargets(
  directory: EndpointDirectory,
  shape: RouteShape,
): { endpoint: EndpointEntry | null; additional: EndpointEntry[] } {
  const resolve = (ref: EndpointRef, field: string): EndpointEntry => {
    const entry = directory.byRef(ref);
    if (!entry) throw invalid(field, `no ${ref.type} endpoint with this uuid on this server`);
    return entry;
  };
  return {
    endpoint: shape.endpoint ? resolve(shape.endpoint, 'endpoint') : null,
    additional: shape.additional.map((ref, index) => resolve(ref, `additional_endpoints.${index}`)),
  };
}

/** The route's endpoints as references, for an update to keep or replace. */
export async function currentTargets(
  db: Db,
  directory: EndpointDirectory,
  route: RouteRow,
): Promise<{ endpoint: EndpointRef | null; additional: EndpointRef[] }> {
  const refOf = (entry: EndpointEntry | undefined): EndpointRef[] =>
    entry ? [{ type: entry.type, uuid: entry.uuid }] : [];
  const extra = await db
    .selectFrom('route_endpoints')
    .selectAll()
    .where('route_id', '=', route.id)
    .orderBy('id')
    .execute();
  const main =
    route.endpoint_type !== null && route.endpoint_id !== null
      ? directory.byId(route.endpoint_type, route.endpoint_id)
      : undefined;
  return {
    endpoint: refOf(main)[0] ?? null,
    additional: extra.flatMap((row) => refOf(directory.byId(row.endpoint_type, row.endpoint_id))),
  };
}

/** A verified domain of the server or its organization, by uuid or name; the server's wins a tie. */
export async function findVerifiedDomain(db: Db, scope: ServerScope, ref: string) {
  const byUuid = Uuid.safeParse(ref).success;
  const rows = await db
    .selectFrom('domains')
    .select(['id', 'name', 'server_id', 'verified_at'])
    .where('organization_id', '=', scope.organization.id)
    .where((eb) => eb.or([eb('server_id', '=', scope.server.id), eb('server_id', 'is', null)]))
    .where(byUuid ? 'uuid' : 'name', '=', byUuid ? ref.toLowerCase() : domainToASCII(ref.replace(/\.$/, '')))
    .execute();
  const domain = rows.find((row) => row.server_id !== null) ?? rows[0];
  if (!domain) throw invalid('domain', 'no such domain on this server or its organization');
  if (domain.verified_at === null) throw invalid('domain', 'has not been verified yet');
  return domain;
}

/**
 * Postal's uniqueness: a route name once per domain name across the installation (one domain
 * name may belong to several organizations, but mail for it can reach only one route), and
 * one `__returnpath__` route per server.
 */
export async function assertNameFree(
  db: Db,
  scope: ServerScope,
  name: string,
  domainName: string | null,
  selfId: number | null,
): Promise<void> {
  let query = db
    .selectFrom('routes')
    .innerJoin('servers', 'servers.id', 'routes.server_id')
    .select('routes.id')
    .where('routes.name', '=', name)
    .where('servers.deleted_at', 'is', null);
  if (selfId !== null) query = query.where('routes.id', '!=', selfId);
  if (name === RETURN_PATH_ROUTE) {
    const taken = await query.where('routes.server_id', '=', scope.server.id).executeTakeFirst();
    if (taken) throw conflict('name', 'this server already has a __returnpath__ route');
    return;
  }
  const taken = await query
    .innerJoin('domains', 'domains.id', 'routes.domain_id')
    .where('domains.name', '=', domainName ?? '')
    .executeTakeFirst();
  if (taken) throw conflict('name', `a route named ${name} already exists for ${domainName}`);
}

export async function uniqueToken(ctx: AppContext, trx: Db): Promise<string> {
  for (;;) {
    const token = ctx.ids.token(TOKEN_LENGTH, { lower: true });
    const taken = await trx.selectFrom('routes').select('id').where('token', '=', token).executeTakeFirst();
    if (!taken) return token;
  }
}
