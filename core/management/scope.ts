import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import type { Row } from '../db/schema.ts';
import { PosternError, notFound } from '../errors.ts';

export interface OrganizationScope {
  actor: Actor;
  organization: Row<'organizations'>;
}

export interface ServerScope extends OrganizationScope {
  server: Row<'servers'>;
}

export function requireAdmin(actor: Actor): void {
  if (!actor.admin) throw new PosternError('forbidden', 'only administrators may do this');
}

/** An organization the actor may see; another organization's is reported as missing, never as forbidden. */
export async function resolveOrganization(
  ctx: AppContext,
  actor: Actor,
  permalink: string,
): Promise<OrganizationScope> {
  const organization = await ctx.db
    .selectFrom('organizations')
    .selectAll()
    .where('permalink', '=', permalink)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!organization) throw notFound('organization');
  if (!actor.admin) {
    const membership = await ctx.db
      .selectFrom('organization_users')
      .select('user_id')
      .where('organization_id', '=', organization.id)
      .where('user_id', '=', actor.userId)
      .executeTakeFirst();
    if (!membership) throw notFound('organization');
  }
  return { actor, organization };
}

export async function resolveServer(
  ctx: AppContext,
  actor: Actor,
  organizationPermalink: string,
  serverPermalink: string,
): Promise<ServerScope> {
  const scope = await resolveOrganization(ctx, actor, organizationPermalink);
  const server = await ctx.db
    .selectFrom('servers')
    .selectAll()
    .where('organization_id', '=', scope.organization.id)
    .where('permalink', '=', serverPermalink)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!server) throw notFound('server');
  return { ...scope, server };
}
