import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { Actor } from './actor.ts';
import type { Row } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { paginate, type Page, type PageQuery } from '../management/pagination.ts';
import { Name } from '../management/common-schemas.ts';
import { IsoTime, Uuid, isoTime, isoTimeOrNull } from '../management/view-helpers.ts';
import { hashSecret } from './secret-hash.ts';
import { ACCESS_TOKEN_PREFIX } from './sessions.ts';

export const AccessTokenView = z.object({
  uuid: Uuid,
  name: z.string(),
  /** The first characters of the token, to tell tokens apart. */
  prefix: z.string(),
  last_used_at: IsoTime.nullable(),
  expires_at: IsoTime.nullable(),
  created_at: IsoTime,
});
export type AccessTokenView = z.infer<typeof AccessTokenView>;

export const NewAccessTokenView = AccessTokenView.extend({
  /** Shown once; only its hash is stored. */
  token: z.string(),
});

export const CreateAccessTokenInput = z
  .object({ name: Name, expires_in_days: z.number().int().min(1).max(3650).optional() })
  .strict();
export type CreateAccessTokenInput = z.infer<typeof CreateAccessTokenInput>;

function tokenView(row: Row<'personal_access_tokens'>): AccessTokenView {
  return {
    uuid: row.uuid,
    name: row.name,
    prefix: row.prefix,
    last_used_at: isoTimeOrNull(row.last_used_at),
    expires_at: isoTimeOrNull(row.expires_at),
    created_at: isoTime(row.created_at),
  };
}

export async function listAccessTokens(
  ctx: AppContext,
  actor: Actor,
  page: PageQuery,
): Promise<Page<AccessTokenView>> {
  const { rows, next_cursor } = await paginate(
    ctx.db.selectFrom('personal_access_tokens').selectAll().where('user_id', '=', actor.userId),
    'id',
    page,
  );
  return { data: rows.map(tokenView), next_cursor };
}

export async function createAccessToken(
  ctx: AppContext,
  actor: Actor,
  input: CreateAccessTokenInput,
): Promise<z.infer<typeof NewAccessTokenView>> {
  const now = ctx.clock.now();
  const token = ACCESS_TOKEN_PREFIX + ctx.ids.token(40);
  return mutate(ctx, actor, { affectsPolicy: false }, async (trx) => {
    const uuid = ctx.ids.uuid();
    await trx
      .insertInto('personal_access_tokens')
      .values({
        uuid,
        user_id: actor.userId,
        name: input.name,
        token_hash: hashSecret(token),
        prefix: token.slice(0, 10),
        last_used_at: null,
        expires_at: input.expires_in_days === undefined ? null : now + input.expires_in_days * 86_400_000,
        created_at: now,
      })
      .execute();
    const row = await trx
      .selectFrom('personal_access_tokens')
      .selectAll()
      .where('uuid', '=', uuid)
      .executeTakeFirstOrThrow();
    return {
      result: { ...tokenView(row), token },
      audit: {
        action: 'token.create',
        resourceType: 'personal_access_token',
        resourceUuid: uuid,
        organizationId: null,
        serverId: null,
        changes: { name: input.name },
      },
    };
  });
}

export async function deleteAccessToken(ctx: AppContext, actor: Actor, uuid: string): Promise<void> {
  await mutate(ctx, actor, { affectsPolicy: false }, async (trx) => {
    const deleted = await trx
      .deleteFrom('personal_access_tokens')
      .where('uuid', '=', uuid)
      .where('user_id', '=', actor.userId)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw notFound('token');
    return {
      result: undefined,
      audit: {
        action: 'token.delete',
        resourceType: 'personal_access_token',
        resourceUuid: uuid,
        organizationId: null,
        serverId: null,
      },
    };
  });
}
