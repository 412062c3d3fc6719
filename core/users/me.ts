import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import { hashPassword, verifyPassword } from '../auth/passwords.ts';
import { invalid } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { Name, Password, TimeZone } from '../management/common-schemas.ts';
import { organizationView, OrganizationView } from '../organizations/organization-schemas.ts';
import { UserView, userView } from './user-schemas.ts';

export const MeView = z.object({ user: UserView, organizations: z.array(OrganizationView) });
export type MeView = z.infer<typeof MeView>;

export const UpdateMeInput = z
  .object({
    first_name: Name,
    last_name: z.string().trim().max(100),
    time_zone: TimeZone,
    password: z.object({ current: z.string().max(200), new: Password }).strict(),
  })
  .partial()
  .strict();
export type UpdateMeInput = z.infer<typeof UpdateMeInput>;

export async function getMe(ctx: AppContext, actor: Actor): Promise<MeView> {
  const user = await ctx.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', actor.userId)
    .executeTakeFirstOrThrow();
  let query = ctx.db.selectFrom('organizations').selectAll().where('deleted_at', 'is', null);
  if (!actor.admin) {
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('organization_users').select('organization_id').where('user_id', '=', actor.userId),
    );
  }
  const organizations = await query.orderBy('name').execute();
  return { user: userView(user), organizations: organizations.map(organizationView) };
}

export async function updateMe(ctx: AppContext, actor: Actor, input: UpdateMeInput): Promise<MeView> {
  const user = await ctx.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', actor.userId)
    .executeTakeFirstOrThrow();
  let passwordHash: string | undefined;
  if (input.password) {
    if (!(await verifyPassword(input.password.current, user.password_hash))) {
      throw invalid('password.current', 'the current password is wrong');
    }
    passwordHash = await hashPassword(input.password.new);
  }
  await mutate(ctx, actor, { affectsPolicy: false }, async (trx) => {
    await trx
      .updateTable('users')
      .set({
        ...(input.first_name !== undefined ? { first_name: input.first_name } : {}),
        ...(input.last_name !== undefined ? { last_name: input.last_name } : {}),
        ...(input.time_zone !== undefined ? { time_zone: input.time_zone } : {}),
        ...(passwordHash !== undefined ? { password_hash: passwordHash } : {}),
        updated_at: ctx.clock.now(),
      })
      .where('id', '=', user.id)
      .execute();
    if (passwordHash !== undefined && actor.sessionId !== null) {
      // Other sessions end with the old password; the one making the change stays.
      await trx
        .deleteFrom('sessions')
        .where('user_id', '=', user.id)
        .where('id', '!=', actor.sessionId)
        .execute();
    }
    return {
      result: undefined,
      audit: {
        action: 'user.update_self',
        resourceType: 'user',
        resourceUuid: user.uuid,
        organizationId: null,
        serverId: null,
        changes: { ...input, password: input.password ? '[changed]' : undefined },
      },
    };
  });
  return getMe(ctx, actor);
}
