import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import type { Db } from '../db/database.ts';
import { hashPassword } from '../auth/passwords.ts';
import { conflict, invalid, notFound, PosternError } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { paginate, type Page, type PageQuery } from '../management/pagination.ts';
import { requireAdmin } from '../management/scope.ts';
import { bit } from '../management/view-helpers.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { userView, type CreateUserInput, type UpdateUserInput, type UserView } from './user-schemas.ts';

export async function listUsers(ctx: AppContext, actor: Actor, page: PageQuery): Promise<Page<UserView>> {
  requireAdmin(actor);
  const { rows, next_cursor } = await paginate(ctx.db.selectFrom('users').selectAll(), 'id', page);
  return { data: rows.map(userView), next_cursor };
}

export async function getUser(ctx: AppContext, actor: Actor, uuid: string): Promise<UserView> {
  requireAdmin(actor);
  return userView(await findUser(ctx.db, uuid));
}

/** `actor` null is the command line or first start, which may always create users. */
export async function createUser(
  ctx: AppContext,
  actor: Actor | null,
  input: CreateUserInput,
): Promise<UserView> {
  if (actor) requireAdmin(actor);
  const passwordHash = await hashPassword(input.password);
  const now = ctx.clock.now();
  try {
    return await mutate(ctx, actor, { affectsPolicy: false }, async (trx) => {
      if (await trx.selectFrom('users').select('id').where('email', '=', input.email).executeTakeFirst()) {
        throw conflict('email', 'a user with this email address exists');
      }
      const uuid = ctx.ids.uuid();
      await trx
        .insertInto('users')
        .values({
          uuid,
          email: input.email,
          first_name: input.first_name,
          last_name: input.last_name,
          password_hash: passwordHash,
          admin: bit(input.admin),
          time_zone: input.time_zone,
          created_at: now,
          updated_at: now,
        })
        .execute();
      const user = await trx
        .selectFrom('users')
        .selectAll()
        .where('uuid', '=', uuid)
        .executeTakeFirstOrThrow();
      await setMemberships(trx, user.id, input.organizations, now);
      return {
        result: userView(user),
        audit: {
          action: 'user.create',
          resourceType: 'user',
          resourceUuid: uuid,
          organizationId: null,
          serverId: null,
          changes: { ...input, password: undefined },
        },
      };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('email', 'a user with this email address exists');
    throw error;
  }
}

export async function updateUser(
  ctx: AppContext,
  actor: Actor,
  uuid: string,
  input: UpdateUserInput,
): Promise<UserView> {
  requireAdmin(actor);
  const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
  const now = ctx.clock.now();
  return mutate(ctx, actor, { affectsPolicy: false }, async (trx) => {
    const user = await findUser(trx, uuid);
    if (input.admin === false && user.id === actor.userId) {
      throw invalid('admin', 'you cannot remove your own administrator role');
    }
    if (input.email !== undefined && input.email !== user.email) {
      const taken = await trx
        .selectFrom('users')
        .select('id')
        .where('email', '=', input.email)
        .executeTakeFirst();
      if (taken) throw conflict('email', 'a user with this email address exists');
    }
    await trx
      .updateTable('users')
      .set({
        ...(input.email !== undefined ? { email: input.email } : {}),
        ...(input.first_name !== undefined ? { first_name: input.first_name } : {}),
        ...(input.last_name !== undefined ? { last_name: input.last_name } : {}),
        ...(input.time_zone !== undefined ? { time_zone: input.time_zone } : {}),
        ...(input.admin !== undefined ? { admin: bit(input.admin) } : {}),
        ...(passwordHash !== undefined ? { password_hash: passwordHash } : {}),
        updated_at: now,
      })
      .where('id', '=', user.id)
      .execute();
    if (passwordHash !== undefined) {
      // A new password ends every session opened with the old one.
      await trx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
    }
    if (input.organizations !== undefined) await setMemberships(trx, user.id, input.organizations, now);
    const updated = await trx
      .selectFrom('users')
      .selectAll()
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    return {
      result: userView(updated),
      audit: {
        action: 'user.update',
        resourceType: 'user',
        resourceUuid: uuid,
        organizationId: null,
        serverId: null,
        changes: { ...input, password: input.password === undefined ? undefined : '[changed]' },
      },
    };
  });
}

export async function deleteUser(ctx: AppContext, actor: Actor, uuid: string): Promise<void> {
  requireAdmin(actor);
  await mutate(ctx, actor, { affectsPolicy: false }, async (trx) => {
    const user = await findUser(trx, uuid);
    if (user.id === actor.userId) throw new PosternError('forbidden', 'you cannot delete yourself');
    await trx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
    await trx.deleteFrom('personal_access_tokens').where('user_id', '=', user.id).execute();
    await trx.deleteFrom('organization_users').where('user_id', '=', user.id).execute();
    await trx.updateTable('organizations').set({ owner_id: null }).where('owner_id', '=', user.id).execute();
    await trx.deleteFrom('users').where('id', '=', user.id).execute();
    return {
      result: undefined,
      audit: {
        action: 'user.delete',
        resourceType: 'user',
        resourceUuid: uuid,
        organizationId: null,
        serverId: null,
        changes: { email: user.email },
      },
    };
  });
}

async function findUser(db: Db, uuid: string) {
  const user = await db.selectFrom('users').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  if (!user) throw notFound('user');
  return user;
}

async function setMemberships(
  trx: Db,
  userId: number,
  permalinks: readonly string[],
  now: number,
): Promise<void> {
  const organizations =
    permalinks.length === 0
      ? []
      : await trx
          .selectFrom('organizations')
          .select(['id', 'permalink'])
          .where('permalink', 'in', permalinks)
          .where('deleted_at', 'is', null)
          .execute();
  const missing = permalinks.filter((permalink) => !organizations.some((o) => o.permalink === permalink));
  if (missing.length > 0) throw invalid('organizations', `unknown organization ${missing.join(', ')}`);
  await trx.deleteFrom('organization_users').where('user_id', '=', userId).execute();
  if (organizations.length === 0) return;
  await trx
    .insertInto('organization_users')
    .values(
      organizations.map((organization) => ({
        organization_id: organization.id,
        user_id: userId,
        role: 'member' as const,
        created_at: now,
      })),
    )
    .execute();
}
