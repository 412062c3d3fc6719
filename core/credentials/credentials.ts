import type { AppContext } from '../context.ts';
import type { Db } from '../db/database.ts';
import { hashSecret } from '../auth/secret-hash.ts';
import { invalid, notFound } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { paginate, type Page, type PageQuery } from '../management/pagination.ts';
import type { ServerScope } from '../management/scope.ts';
import { bit } from '../management/view-helpers.ts';
import {
  credentialView,
  type CreateCredentialInput,
  type CredentialView,
  type NewCredentialView,
  type UpdateCredentialInput,
} from './credential-schemas.ts';

/** 24 random alphanumerics, as Postal's keys: existing clients and SMTP settings keep working. */
const KEY_LENGTH = 24;
const PREFIX_LENGTH = 6;

export async function listCredentials(
  ctx: AppContext,
  scope: ServerScope,
  page: PageQuery,
): Promise<Page<CredentialView>> {
  const { rows, next_cursor } = await paginate(
    ctx.db.selectFrom('credentials').selectAll().where('server_id', '=', scope.server.id),
    'id',
    page,
  );
  const now = ctx.clock.now();
  return { data: rows.map((row) => credentialView(row, now)), next_cursor };
}

export async function getCredential(
  ctx: AppContext,
  scope: ServerScope,
  uuid: string,
): Promise<CredentialView> {
  return credentialView(await findCredential(ctx.db, scope, uuid), ctx.clock.now());
}

export async function createCredential(
  ctx: AppContext,
  scope: ServerScope,
  input: CreateCredentialInput,
): Promise<NewCredentialView> {
  const now = ctx.clock.now();
  const key = input.type === 'SMTP-IP' ? null : ctx.ids.token(KEY_LENGTH);
  return mutate(ctx, scope.actor, { affectsPolicy: true }, async (trx) => {
    const uuid = ctx.ids.uuid();
    await trx
      .insertInto('credentials')
      .values({
        uuid,
        server_id: scope.server.id,
        type: input.type,
        name: input.name,
        key_hash: key === null ? null : hashSecret(key),
        key_prefix: key === null ? null : key.slice(0, PREFIX_LENGTH),
        network: input.type === 'SMTP-IP' ? input.network : null,
        hold: bit(input.hold),
        last_used_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const row = await trx
      .selectFrom('credentials')
      .selectAll()
      .where('uuid', '=', uuid)
      .executeTakeFirstOrThrow();
    return {
      result: { ...credentialView(row, now), key },
      audit: {
        action: 'credential.create',
        resourceType: 'credential',
        resourceUuid: uuid,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: { ...input },
      },
    };
  });
}

export async function updateCredential(
  ctx: AppContext,
  scope: ServerScope,
  uuid: string,
  input: UpdateCredentialInput,
): Promise<CredentialView> {
  const now = ctx.clock.now();
  return mutate(ctx, scope.actor, { affectsPolicy: true }, async (trx) => {
    const credential = await findCredential(trx, scope, uuid);
    if (input.network !== undefined && credential.type !== 'SMTP-IP') {
      throw invalid('network', 'only SMTP-IP credentials have a network');
    }
    await trx
      .updateTable('credentials')
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.hold !== undefined ? { hold: bit(input.hold) } : {}),
        ...(input.network !== undefined ? { network: input.network } : {}),
        updated_at: now,
      })
      .where('id', '=', credential.id)
      .execute();
    const row = await trx
      .selectFrom('credentials')
      .selectAll()
      .where('id', '=', credential.id)
      .executeTakeFirstOrThrow();
    return {
      result: credentialView(row, now),
      audit: {
        action: 'credential.update',
        resourceType: 'credential',
        resourceUuid: uuid,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: { ...input },
      },
    };
  });
}

/** Revokes at once: the snapshot is rebuilt before this resolves, so the edge refuses the key. */
export async function deleteCredential(ctx: AppContext, scope: ServerScope, uuid: string): Promise<void> {
  await mutate(ctx, scope.actor, { affectsPolicy: true }, async (trx) => {
    const credential = await findCredential(trx, scope, uuid);
    await trx.deleteFrom('credentials').where('id', '=', credential.id).execute();
    return {
      result: undefined,
      audit: {
        action: 'credential.delete',
        resourceType: 'credential',
        resourceUuid: uuid,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: { name: credential.name, type: credential.type },
      },
    };
  });
}

async function findCredential(db: Db, scope: Pick<ServerScope, 'server'>, uuid: string) {
  const row = await db
    .selectFrom('credentials')
    .selectAll()
    .where('server_id', '=', scope.server.id)
    .where('uuid', '=', uuid)
    .executeTakeFirst();
  if (!row) throw notFound('credential');
  return row;
}
