import type { AppContext } from '../context.ts';
import type { Actor } from '../auth/actor.ts';
import { createCredential } from '../credentials/credentials.ts';
import { createDomain } from '../domains/domains.ts';
import { createOrganization } from '../organizations/organizations.ts';
import { createServer } from '../servers/servers.ts';
import { createUser } from '../users/users.ts';

export interface FirstStartOptions {
  adminEmail: string;
  /** Generated when absent, and shown once. */
  adminPassword?: string;
}

export interface FirstStartResult {
  adminEmail: string;
  adminPassword: string;
  organization: string;
  server: string;
  /** A domain the sample server may send from, verified because an administrator added it. */
  domain: string;
  apiKey: string;
  smtpKey: string;
}

export const SAMPLE_DOMAIN = 'example.com';

/**
 * On an empty database: an administrator, a sample organization with a Development-mode server
 * (mail is held, never delivered, until released), a sending domain, and an API key and SMTP
 * credential for it. Everything after the user is made as that administrator, so the audit log
 * says who set the installation up.
 */
export async function firstStart(
  ctx: AppContext,
  options: FirstStartOptions,
): Promise<FirstStartResult | null> {
  const anyone = await ctx.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (anyone) return null;
  const adminPassword = options.adminPassword ?? ctx.ids.token(20);
  const admin = await createUser(ctx, null, {
    email: options.adminEmail,
    first_name: 'Admin',
    last_name: '',
    password: adminPassword,
    admin: true,
    time_zone: 'UTC',
    organizations: [],
  });
  const userId = await ctx.db
    .selectFrom('users')
    .select('id')
    .where('uuid', '=', admin.uuid)
    .executeTakeFirstOrThrow();
  const actor: Actor = {
    userId: userId.id,
    userUuid: admin.uuid,
    email: admin.email,
    admin: true,
    sessionId: null,
    ipAddress: null,
  };
  const organization = await createOrganization(ctx, actor, {
    name: 'Sample Organization',
    permalink: 'sample',
    time_zone: 'UTC',
  });
  const server = await createServer(ctx, actor, organization.permalink, {
    name: 'Development',
    permalink: 'development',
    mode: 'Development',
  });
  const scope = {
    actor,
    organization: await ctx.db
      .selectFrom('organizations')
      .selectAll()
      .where('uuid', '=', organization.uuid)
      .executeTakeFirstOrThrow(),
    server: await ctx.db
      .selectFrom('servers')
      .selectAll()
      .where('uuid', '=', server.uuid)
      .executeTakeFirstOrThrow(),
  };
  await createDomain(ctx, scope, { name: SAMPLE_DOMAIN, verification_method: 'DNS' });
  const api = await createCredential(ctx, scope, { type: 'API', name: 'Sample API key', hold: false });
  const smtp = await createCredential(ctx, scope, {
    type: 'SMTP',
    name: 'Sample SMTP credential',
    hold: false,
  });
  return {
    adminEmail: options.adminEmail,
    adminPassword,
    organization: organization.permalink,
    server: server.permalink,
    domain: SAMPLE_DOMAIN,
    apiKey: api.key ?? '',
    smtpKey: smtp.key ?? '',
  };
}
