import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import type { AuditEntry } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import type { Row } from '../db/schema.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { PosternError, conflict, notFound } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { paginate, type Page, type PageQuery } from '../management/pagination.ts';
import type { OrganizationScope, ServerScope } from '../management/scope.ts';
import { bit } from '../management/view-helpers.ts';
import { dkimPublicKey, generateDkimKey } from './dkim-key.ts';
import { dkimSelector, domainDnsRecords } from './dns-records.ts';
import {
  domainView,
  type CreateDomainInput,
  type DomainView,
  type UpdateDomainInput,
} from './domain-schemas.ts';
import { parseHostName } from './host-name.ts';

/** A server's own domains, or its organization's (usable by every server of it). */
export type DomainScope = ServerScope | OrganizationScope;

const VERIFICATION_TOKEN_LENGTH = 32;
const IDENTIFIER_STRING_LENGTH = 6;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isServerScope = (scope: DomainScope): scope is ServerScope => 'server' in scope;

/** Matches DomainsTable.owner_key: one name per owner. */
const ownerKey = (scope: DomainScope): string =>
  isServerScope(scope) ? `s:${scope.server.id}` : `o:${scope.organization.id}`;

export function domainAudit(
  scope: DomainScope,
  verb: string,
  uuid: string,
  changes: Record<string, unknown>,
): AuditEntry {
  return {
    action: `domain.${verb}`,
    resourceType: 'domain',
    resourceUuid: uuid,
    organizationId: scope.organization.id,
    serverId: isServerScope(scope) ? scope.server.id : null,
    changes,
  };
}

type RefFilter = { column: 'uuid' | 'name'; value: string } | null;

/** A `{domain}` path segment: a uuid, or a name in any case, unicode or punycode. */
function refFilter(ref: string): RefFilter {
  if (UUID.test(ref)) return { column: 'uuid', value: ref.toLowerCase() };
  const parsed = parseHostName(ref, { requireDot: false });
  return parsed.ok ? { column: 'name', value: parsed.name } : null;
}

/** A domain of the scope's owner, by uuid or by name. */
export async function findDomain(db: Db, scope: DomainScope, ref: string): Promise<Row<'domains'>> {
  const filter = refFilter(ref);
  const row = filter
    ? await db
        .selectFrom('domains')
        .selectAll()
        .where('owner_key', '=', ownerKey(scope))
        .where(filter.column, '=', filter.value)
        .executeTakeFirst()
    : undefined;
  if (!row) throw notFound('domain');
  return row;
}

/**
 * A verified domain the server may use, by uuid or by name: its own, else its organization's
 * (Postal prefers the server's when both have the name). undefined when there is none.
 */
export async function findUsableDomain(
  db: Db,
  scope: ServerScope,
  ref: string,
): Promise<Row<'domains'> | undefined> {
  const filter = refFilter(ref);
  if (!filter) return undefined;
  const rows = await db
    .selectFrom('domains')
    .selectAll()
    .where('owner_key', 'in', [ownerKey(scope), `o:${scope.organization.id}`])
    .where(filter.column, '=', filter.value)
    .where('verified_at', 'is not', null)
    .execute();
  return rows.find((row) => row.server_id !== null) ?? rows[0];
}

/** The view, with the DKIM record made from the stored (encrypted) key. */
export async function presentDomain(ctx: AppContext, row: Row<'domains'>): Promise<DomainView> {
  const publicKey = dkimPublicKey(await ctx.keys.decrypt(row.dkim_private_key));
  return domainView(row, {
    dkimSelector: dkimSelector(ctx.installation, row.dkim_identifier_string),
    dnsRecords: domainDnsRecords(row, ctx.installation, publicKey),
  });
}

export async function listDomains(
  ctx: AppContext,
  scope: DomainScope,
  page: PageQuery,
): Promise<Page<DomainView>> {
  const { rows, next_cursor } = await paginate(
    ctx.db.selectFrom('domains').selectAll().where('owner_key', '=', ownerKey(scope)),
    'id',
    page,
  );
  return { data: await Promise.all(rows.map((row) => presentDomain(ctx, row))), next_cursor };
}

export async function getDomain(ctx: AppContext, scope: DomainScope, ref: string): Promise<DomainView> {
  return presentDomain(ctx, await findDomain(ctx.db, scope, ref));
}

// use_for_any lets a server send as any domain at all: Postal keeps it to its console.
function assertMayUseForAny(actor: Actor): void {
  if (actor.admin) return;
  throw new PosternError('forbidden', 'only administrators may set use_for_any', {
    details: [{ field: 'use_for_any', message: 'only administrators may set this field' }],
  });
}

const nameTaken = (): PosternError => conflict('name', 'this domain has already been added here');

/** A domain added by an administrator is verified at once, as in Postal. */
export async function createDomain(
  ctx: AppContext,
  scope: DomainScope,
  input: CreateDomainInput,
): Promise<DomainView> {
  const useForAny = isServerScope(scope) && (input.use_for_any ?? false);
  if (useForAny) assertMayUseForAny(scope.actor);
  const verified = scope.actor.admin;
  const dkimPrivateKey = await ctx.keys.encrypt(await generateDkimKey());
  const now = ctx.clock.now();
  try {
    const row = await mutate(ctx, scope.actor, { affectsPolicy: verified }, async (trx) => {
      const existing = await trx
        .selectFrom('domains')
        .select('id')
        .where('owner_key', '=', ownerKey(scope))
        .where('name', '=', input.name)
        .executeTakeFirst();
      if (existing) throw nameTaken();
      const uuid = ctx.ids.uuid();
      await trx
        .insertInto('domains')
        .values({
          uuid,
          organization_id: scope.organization.id,
          server_id: isServerScope(scope) ? scope.server.id : null,
          owner_key: ownerKey(scope),
          name: input.name,
          verification_method: input.verification_method,
          verification_token: ctx.ids.token(VERIFICATION_TOKEN_LENGTH),
          verified_at: verified ? now : null,
          dkim_private_key: dkimPrivateKey,
          dkim_identifier_string: ctx.ids.token(IDENTIFIER_STRING_LENGTH, { lower: true }),
          use_for_any: bit(useForAny),
          spf_status: null,
          spf_error: null,
          dkim_status: null,
          dkim_error: null,
          mx_status: null,
          mx_error: null,
          return_path_status: null,
          return_path_error: null,
          dns_checked_at: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      const created = await trx
        .selectFrom('domains')
        .selectAll()
        .where('uuid', '=', uuid)
        .executeTakeFirstOrThrow();
      return {
        result: created,
        audit: domainAudit(scope, 'create', uuid, { ...input, use_for_any: useForAny, verified }),
      };
    });
    return presentDomain(ctx, row);
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken();
    throw error;
  }
}

export async function updateDomain(
  ctx: AppContext,
  scope: ServerScope,
  ref: string,
  input: UpdateDomainInput,
): Promise<DomainView> {
  if (input.use_for_any !== undefined) assertMayUseForAny(scope.actor);
  const now = ctx.clock.now();
  const row = await mutate(ctx, scope.actor, { affectsPolicy: true }, async (trx) => {
    const domain = await findDomain(trx, scope, ref);
    await trx
      .updateTable('domains')
      .set({
        ...(input.use_for_any !== undefined ? { use_for_any: bit(input.use_for_any) } : {}),
        updated_at: now,
      })
      .where('id', '=', domain.id)
      .execute();
    const updated = await trx
      .selectFrom('domains')
      .selectAll()
      .where('id', '=', domain.id)
      .executeTakeFirstOrThrow();
    return { result: updated, audit: domainAudit(scope, 'update', domain.uuid, { ...input }) };
  });
  return presentDomain(ctx, row);
}

/** As in Postal, the domain's routes and track domains go with it. */
export async function deleteDomain(ctx: AppContext, scope: DomainScope, ref: string): Promise<void> {
  await mutate(ctx, scope.actor, { affectsPolicy: true }, async (trx) => {
    const domain = await findDomain(trx, scope, ref);
    const routeIds = trx.selectFrom('routes').select('id').where('domain_id', '=', domain.id);
    await trx.deleteFrom('route_endpoints').where('route_id', 'in', routeIds).execute();
    await trx.deleteFrom('routes').where('domain_id', '=', domain.id).execute();
    await trx.deleteFrom('track_domains').where('domain_id', '=', domain.id).execute();
    await trx.deleteFrom('domains').where('id', '=', domain.id).execute();
    return { result: undefined, audit: domainAudit(scope, 'delete', domain.uuid, { name: domain.name }) };
  });
}
