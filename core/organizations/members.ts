import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import { conflict, invalid, notFound } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { requireAdmin, resolveOrganization } from '../management/scope.ts';
import { isoTime } from '../management/view-helpers.ts';
import type { AddMemberInput, MemberView } from './organization-schemas.ts';

export async function listMembers(ctx: AppContext, actor: Actor, permalink: string): Promise<MemberView[]> {
  const { organization } = await resolveOrganization(ctx, actor, permalink);
  const rows = await ctx.db
    .selectFrom('organization_users')
    .innerJoin('users', 'users.id', 'organization_users.user_id')
    .select([
      'users.uuid',
      'users.email',
      'users.first_name',
      'users.last_name',
      'organization_users.role',
      'organization_users.created_at',
    ])
    .where('organization_users.organization_id', '=', organization.id)
    .orderBy('users.email')
    .execute();
  return rows.map((row) => ({
    user_uuid: row.uuid,
    email: row.email,
    first_name: row.first_name,
    last_name: row.last_name,
    role: row.role,
    joined_at: isoTime(row.created_at),
  }));
}

export async function addMember(
  ctx: AppContext,
  actor: Actor,
  permalink: string,
  input: AddMemberInput,
): Promise<MemberView> {
  const { organization } = await resolveOrganization(ctx, actor, permalink);
  requireAdmin(actor);
  const now = ctx.clock.now();
  return mutate(ctx, actor, { affectsPolicy: false }, async (trx) => {
    const user = await trx
      .selectFrom('users')
      .selectAll()
      .where('email', '=', input.email)
      .executeTakeFirst();
    if (!user) throw invalid('email', 'no user has this email address');
    const existing = await trx
      .selectFrom('organization_users')
      .select('user_id')
      .where('organization_id', '=', organization.id)
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    if (existing) throw conflict('email', 'this user is already a member');
    await trx
      .insertInto('organization_users')
      .values({ organization_id: organization.id, user_id: user.id, role: input.role, created_at: now })
      .execute();
    return {
      result: {
        user_uuid: user.uuid,
        email: user.email,
        first_name: user.first_name,
        last_name: user.last_name,
        role: input.role,
        joined_at: isoTime(now),
      },
      audit: {
        action: 'organization.member.add',
        resourceType: 'user',
        resourceUuid: user.uuid,
        organizationId: organization.id,
        serverId: null,
        changes: { ...input },
      },
    };
  });
}

export async function removeMember(
  ctx: AppContext,
  actor: Actor,
  permalink: string,
  userUuid: string,
): Promise<void> {
  const { organization } = await resolveOrganization(ctx, actor, permalink);
  requireAdmin(actor);
  await mutate(ctx, actor, { affectsPolicy: false }, async (trx) => {
    const user = await trx
      .selectFrom('users')
      .select(['id', 'email'])
      .where('uuid', '=', userUuid)
      .executeTakeFirst();
    const removed = user
      ? await trx
          .deleteFrom('organization_users')
          .where('organization_id', '=', organization.id)
          .where('user_id', '=', user.id)
          .executeTakeFirst()
      : null;
    if (!user || Number(removed?.numDeletedRows ?? 0) === 0) throw notFound('member');
    return {
      result: undefined,
      audit: {
        action: 'organization.member.remove',
        resourceType: 'user',
        resourceUuid: userUuid,
        organizationId: organization.id,
        serverId: null,
        changes: { email: user.email },
      },
    };
  });
}
