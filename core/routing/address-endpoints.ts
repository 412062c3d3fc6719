import type { AppContext } from '../context.ts';
import type { Db } from '../db/database.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { conflict, notFound } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { paginate, type Page, type PageQuery } from '../management/pagination.ts';
import type { ServerScope } from '../management/scope.ts';
import {
  addressEndpointView,
  type AddressEndpointView,
  type CreateAddressEndpointInput,
  type UpdateAddressEndpointInput,
} from './endpoint-schemas.ts';
import { rejectRoutesUsing } from './routes.ts';

export async function listAddressEndpoints(
  ctx: AppContext,
  scope: ServerScope,
  page: PageQuery,
): Promise<Page<AddressEndpointView>> {
  const { rows, next_cursor } = await paginate(
    ctx.db.selectFrom('address_endpoints').selectAll().where('server_id', '=', scope.server.id),
    'id',
    page,
  );
  return { data: rows.map(addressEndpointView), next_cursor };
}

export async function getAddressEndpoint(
  ctx: AppContext,
  scope: ServerScope,
  uuid: string,
): Promise<AddressEndpointView> {
  return addressEndpointView(await findAddressEndpoint(ctx.db, scope, uuid));
}

export async function createAddressEndpoint(
  ctx: AppContext,
  scope: ServerScope,
  input: CreateAddressEndpointInput,
): Promise<AddressEndpointView> {
  const now = ctx.clock.now();
  return uniqueAddress(() =>
    mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
      await assertAddressFree(trx, scope, input.address, null);
      const uuid = ctx.ids.uuid();
      await trx
        .insertInto('address_endpoints')
        .values({
          uuid,
          server_id: scope.server.id,
          address: input.address,
          last_used_at: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      return {
        result: addressEndpointView(await findAddressEndpoint(trx, scope, uuid)),
        audit: {
          action: 'address_endpoint.create',
          resourceType: 'address_endpoint',
          resourceUuid: uuid,
          organizationId: scope.organization.id,
          serverId: scope.server.id,
          changes: { ...input },
        },
      };
    }),
  );
}

export async function updateAddressEndpoint(
  ctx: AppContext,
  scope: ServerScope,
  uuid: string,
  input: UpdateAddressEndpointInput,
): Promise<AddressEndpointView> {
  const now = ctx.clock.now();
  return uniqueAddress(() =>
    mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
      const endpoint = await findAddressEndpoint(trx, scope, uuid);
      if (input.address !== undefined) await assertAddressFree(trx, scope, input.address, endpoint.id);
      await trx
        .updateTable('address_endpoints')
        .set({ ...input, updated_at: now })
        .where('id', '=', endpoint.id)
        .execute();
      return {
        result: addressEndpointView(await findAddressEndpoint(trx, scope, uuid)),
        audit: {
          action: 'address_endpoint.update',
          resourceType: 'address_endpoint',
          resourceUuid: uuid,
          organizationId: scope.organization.id,
          serverId: scope.server.id,
          changes: { ...input },
        },
      };
    }),
  );
}

/** Routes delivering to the endpoint switch to Reject in the same transaction. */
export async function deleteAddressEndpoint(
  ctx: AppContext,
  scope: ServerScope,
  uuid: string,
): Promise<void> {
  const now = ctx.clock.now();
  await mutate(ctx, scope.actor, { affectsPolicy: true }, async (trx) => {
    const endpoint = await findAddressEndpoint(trx, scope, uuid);
    const rejected = await rejectRoutesUsing(trx, 'address', endpoint.id, now);
    await trx.deleteFrom('address_endpoints').where('id', '=', endpoint.id).execute();
    return {
      result: undefined,
      audit: {
        action: 'address_endpoint.delete',
        resourceType: 'address_endpoint',
        resourceUuid: uuid,
        organizationId: scope.organization.id,
        serverId: scope.server.id,
        changes: { address: endpoint.address, rejected_routes: rejected },
      },
    };
  });
}

const duplicate = () => conflict('address', 'this server already has an endpoint for this address');

async function assertAddressFree(db: Db, scope: ServerScope, address: string, selfId: number | null) {
  let query = db
    .selectFrom('address_endpoints')
    .select('id')
    .where('server_id', '=', scope.server.id)
    .where('address', '=', address);
  if (selfId !== null) query = query.where('id', '!=', selfId);
  if (await query.executeTakeFirst()) throw duplicate();
}

/** The unique key settles a race the check above cannot see. */
async function uniqueAddress<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate();
    throw error;
  }
}

async function findAddressEndpoint(db: Db, scope: Pick<ServerScope, 'server'>, uuid: string) {
  const row = await db
    .selectFrom('address_endpoints')
    .selectAll()
    .where('server_id', '=', scope.server.id)
    .where('uuid', '=', uuid)
    .executeTakeFirst();
  if (!row) throw notFound('address endpoint');
  return row;
}
