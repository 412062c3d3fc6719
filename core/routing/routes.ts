import type { AppContext } from '../context.ts';
import type { Db } from '../db/database.ts';
import type { EndpointType } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { paginate, type Page, type PageQuery } from '../management/pagination.ts';
import type { ServerScope } from '../management/scope.ts';
import { EndpointDirectory, summaryOf, type EndpointEntry } from './endpoint-directory.ts';
import {
  assertNameFree,
  currentTargets,
  findVerifiedDomain,
  resolveTargets,
  uniqueToken,
} from './route-lookups.ts';
import { checkRouteShape, type RouteShape } from './route-rules.ts';
import {
  routeView,
  type CreateRouteInput,
  type RouteRow,
  type RouteView,
  type UpdateRouteInput,
} from './route-schemas.ts';

// Routes decide what happens to incoming mail, so every change rebuilds the policy snapshot:
// the SMTP edge accepts or refuses recipients from it.

export async function listRoutes(
  ctx: AppContext,
  scope: ServerScope,
  page: PageQuery,
): Promise<Page<RouteView>> {
  const { rows, next_cursor } = await paginate(
    routeQuery(ctx.db).where('routes.server_id', '=', scope.server.id),
    'routes.id',
    page,
  );
  return { data: await viewsOf(ctx, ctx.db, scope, rows), next_cursor };
}

export async function getRoute(ctx: AppContext, scope: ServerScope, uuid: string): Promise<RouteView> {
  return viewOf(ctx, ctx.db, scope, await findRoute(ctx.db, scope, uuid));
}

export async function createRoute(
  ctx: AppContext,
  scope: ServerScope,
  input: CreateRouteInput,
): Promise<RouteView> {
  const now = ctx.clock.now();
  return mutate(ctx, scope.actor, { affectsPolicy: true }, async (trx) => {
    const shape: RouteShape = {
      name: input.name,
      hasDomain: input.domain !== undefined && input.domain !== null,
      mode: input.mode,
      endpoint: input.endpoint ?? null,
      additional: input.additional_endpoints,
    };
    checkRouteShape(shape);
    const targets = resolveTargets(await EndpointDirectory.load(trx, scope.server.id), shape);
    const domain = input.domain ? await findVerifiedDomain(trx, scope, input.domain) : null;
    await assertNameFree(trx, scope, shape.name, domain?.name ?? null, null);
    const uuid = ctx.ids.uuid();
    await trx
      .insertInto('routes')
      .values({
        uuid,
        server_id: scope.server.id,
        domain_id: domain?.id ?? null,
        name: shape.name,
        mode: shape.mode,
        spam_mode: input.spam_mode,
        endpoint_type: targets.endpoint?.type ?? null,
        endpoint_id: targets.endpoint?.id ?? null,
        token: await uniqueToken(ctx, trx),
        created_at: now,
        updated_at: now,
      })
      .execute();
    const route = await findRoute(trx, scope, uuid);
    await replaceAdditional(trx, route.id, targets.additional);
    return {
      result: await viewOf(ctx, trx, scope, route),
      audit: {
        action: 'route.create',
        resourceType: 'route',
        resourceUuid: uuid,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: { ...input },
      },
    };
  });
}

export async function updateRoute(
  ctx: AppContext,
  scope: ServerScope,
  uuid: string,
  input: UpdateRouteInput,
): Promise<RouteView> {
  const now = ctx.clock.now();
  return mutate(ctx, scope.actor, { affectsPolicy: true }, async (trx) => {
    const route = await findRoute(trx, scope, uuid);
    const directory = await EndpointDirectory.load(trx, scope.server.id);
    const current = await currentTargets(trx, directory, route);
    const mode = input.mode ?? route.mode;
    // Leaving Endpoint mode drops the endpoints, as Postal's mode/endpoint selector does.
    const keep = mode === 'Endpoint';
    const shape: RouteShape = {
      name: input.name ?? route.name,
      hasDomain: input.domain === undefined ? route.domain_id !== null : input.domain !== null,
      mode,
      endpoint: input.endpoint !== undefined ? input.endpoint : keep ? current.endpoint : null,
      additional: input.additional_endpoints ?? (keep ? current.additional : []),
    };
    checkRouteShape(shape);
    const targets = resolveTargets(directory, shape);
    const domain = input.domain ? await findVerifiedDomain(trx, scope, input.domain) : null;
    const domainId = input.domain === undefined ? route.domain_id : (domain?.id ?? null);
    const domainName = input.domain === undefined ? route.domain_name : (domain?.name ?? null);
    if (shape.name !== route.name || domainId !== route.domain_id) {
      await assertNameFree(trx, scope, shape.name, domainName, route.id);
    }
    await trx
      .updateTable('routes')
      .set({
        name: shape.name,
        domain_id: domainId,
        mode: shape.mode,
        spam_mode: input.spam_mode ?? route.spam_mode,
        endpoint_type: targets.endpoint?.type ?? null,
        endpoint_id: targets.endpoint?.id ?? null,
        updated_at: now,
      })
      .where('id', '=', route.id)
      .execute();
    await replaceAdditional(trx, route.id, targets.additional);
    return {
      result: await viewOf(ctx, trx, scope, await findRoute(trx, scope, uuid)),
      audit: {
        action: 'route.update',
        resourceType: 'route',
        resourceUuid: uuid,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: { ...input },
      },
    };
  });
}

export async function deleteRoute(ctx: AppContext, scope: ServerScope, uuid: string): Promise<void> {
  await mutate(ctx, scope.actor, { affectsPolicy: true }, async (trx) => {
    const route = await findRoute(trx, scope, uuid);
    await trx.deleteFrom('route_endpoints').where('route_id', '=', route.id).execute();
    await trx.deleteFrom('routes').where('id', '=', route.id).execute();
    return {
      result: undefined,
      audit: {
        action: 'route.delete',
        resourceType: 'route',
        resourceUuid: uuid,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: { name: route.name, domain: route.domain_name },
      },
    };
  });
}

/**
 * Switches the routes delivering to an endpoint being deleted to Reject and drops it from
 * additional endpoints, as Postal does; called in the deleting transaction. Returns the uuids
 * of the routes switched.
 */
export async function rejectRoutesUsing(
  trx: Db,
  type: EndpointType,
  id: number,
  now: number,
): Promise<string[]> {
  const routes = await trx
    .selectFrom('routes')
    .select(['id', 'uuid'])
    .where('endpoint_type', '=', type)
    .where('endpoint_id', '=', id)
    .execute();
  const ids = routes.map((route) => route.id);
  if (ids.length > 0) {
    await trx
      .updateTable('routes')
      .set({ mode: 'Reject', endpoint_type: null, endpoint_id: null, updated_at: now })
      .where('id', 'in', ids)
      .execute();
    // Only Endpoint routes have additional endpoints.
    await trx.deleteFrom('route_endpoints').where('route_id', 'in', ids).execute();
  }
  await trx
    .deleteFrom('route_endpoints')
    .where('endpoint_type', '=', type)
    .where('endpoint_id', '=', id)
    .execute();
  return routes.map((route) => route.uuid);
}

const routeQuery = (db: Db) =>
  db
    .selectFrom('routes')
    .leftJoin('domains', 'domains.id', 'routes.domain_id')
    .selectAll('routes')
    .select(['domains.uuid as domain_uuid', 'domains.name as domain_name']);

async function findRoute(db: Db, scope: Pick<ServerScope, 'server'>, uuid: string): Promise<RouteRow> {
  const row = await routeQuery(db)
    .where('routes.server_id', '=', scope.server.id)
    .where('routes.uuid', '=', uuid)
    .executeTakeFirst();
  if (!row) throw notFound('route');
  return row;
}

async function replaceAdditional(trx: Db, routeId: number, entries: readonly EndpointEntry[]): Promise<void> {
  await trx.deleteFrom('route_endpoints').where('route_id', '=', routeId).execute();
  if (entries.length === 0) return;
  await trx
    .insertInto('route_endpoints')
    .values(entries.map((entry) => ({ route_id: routeId, endpoint_type: entry.type, endpoint_id: entry.id })))
    .execute();
}

async function viewsOf(ctx: AppContext, db: Db, scope: ServerScope, rows: RouteRow[]): Promise<RouteView[]> {
  if (rows.length === 0) return [];
  const directory = await EndpointDirectory.load(db, scope.server.id);
  const extra = await db
    .selectFrom('route_endpoints')
    .selectAll()
    .where(
      'route_id',
      'in',
      rows.map((row) => row.id),
    )
    .orderBy('id')
    .execute();
  const summary = (type: EndpointType | null, id: number | null) => {
    const entry = type !== null && id !== null ? directory.byId(type, id) : undefined;
    return entry ? summaryOf(entry) : null;
  };
  return rows.map((row) =>
    routeView(row, {
      endpoint: summary(row.endpoint_type, row.endpoint_id),
      additional: extra
        .filter((link) => link.route_id === row.id)
        .flatMap((link) => summary(link.endpoint_type, link.endpoint_id) ?? []),
      routeDomain: ctx.installation.routeDomain,
    }),
  );
}

async function viewOf(ctx: AppContext, db: Db, scope: ServerScope, row: RouteRow): Promise<RouteView> {
  const [view] = await viewsOf(ctx, db, scope, [row]);
  if (!view) throw notFound('route');
  return view;
}
