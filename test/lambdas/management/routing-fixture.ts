import type { AppContext } from '../../../core/context.ts';
import type { SqlDialect } from '../../../core/db/sql-dialect.ts';
import { createTestContext, type TestContext, type TestContextOptions } from '../../helpers/test-context.ts';
import { managementClient, type ManagementClient } from '../../helpers/management-client.ts';

export const ACME = '/management/v1/organizations/acme/servers/main';
export const ACME_SECOND = '/management/v1/organizations/acme/servers/second';
export const OTHER = '/management/v1/organizations/other/servers/main';

export interface RoutingFixture {
  t: TestContext;
  api: ManagementClient;
  /** A member of acme, which has servers main and second. */
  member: string;
  /** A member of other, which has server main. */
  outsider: string;
}

/** Two organizations, three servers and a member of each organization, through the API. */
export async function routingFixture(
  dialect: SqlDialect,
  options: TestContextOptions = {},
): Promise<RoutingFixture> {
  const t = await createTestContext(dialect, options);
  const api = managementClient(t.ctx);
  const admin = await api.userToken('admin@acme.test', { admin: true });
  for (const [name, permalink] of [
    ['Acme', 'acme'],
    ['Other', 'other'],
  ]) {
    await api.request('POST', '/management/v1/organizations', { body: { name, permalink }, token: admin });
  }
  for (const [org, name] of [
    ['acme', 'Main'],
    ['acme', 'Second'],
    ['other', 'Main'],
  ]) {
    await api.request('POST', `/management/v1/organizations/${org}/servers`, {
      body: { name },
      token: admin,
    });
  }
  const member = await api.userToken('member@acme.test', { organizations: ['acme'] });
  const outsider = await api.userToken('member@other.test', { organizations: ['other'] });
  return { t, api, member, outsider };
}

/**
 * A domain row written directly (the domains API is not what these tests are about). `server`
 * absent makes an organization-level domain.
 */
export async function insertDomain(
  ctx: AppContext,
  options: { name: string; organization: string; server?: string; verified: boolean },
): Promise<string> {
  const organization = await ctx.db
    .selectFrom('organizations')
    .select('id')
    .where('permalink', '=', options.organization)
    .executeTakeFirstOrThrow();
  const server = options.server
    ? await ctx.db
        .selectFrom('servers')
        .select('id')
        .where('organization_id', '=', organization.id)
        .where('permalink', '=', options.server)
        .executeTakeFirstOrThrow()
    : null;
  const now = ctx.clock.now();
  const uuid = ctx.ids.uuid();
  await ctx.db
    .insertInto('domains')
    .values({
      uuid,
      organization_id: organization.id,
      server_id: server?.id ?? null,
      owner_key: server ? `s:${server.id}` : `o:${organization.id}`,
      name: options.name,
      verification_method: 'DNS',
      verification_token: 'token',
      verified_at: options.verified ? now : null,
      dkim_private_key: 'not a key',
      dkim_identifier_string: 'abc123',
      use_for_any: 0,
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
  return uuid;
}
