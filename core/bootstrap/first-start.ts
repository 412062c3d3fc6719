import type { AppContext } from '../context.ts';
import { createCredential } from '../credentials/credentials.ts';
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
  apiKey: string;
  smtpKey: string;
}

/**
 * On an empty database: an administrator, a sample organization with a Development-mode server
 * (mail is held, never delivered, until released), and an API key and SMTP credential for it.
 */
export async function firstStart(
  ctx: AppContext,
  options: FirstStartOptions,
): Promise<FirstStartResult | null> {
  const anyone = await ctx.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (anyone) return null;
  const adminPassword = options.adminPassword ?? ctx.ids.token(20);
  await createUser(ctx, null, {
    email: options.adminEmail,
    first_name: 'Admin',
    last_name: '',
    password: adminPassword,
    admin: true,
    time_zone: 'UTC',
    organizations: [],
  });
  const organization = await createOrganization(ctx, null, {
    name: 'Sample Organization',
    permalink: 'sample',
    time_zone: 'UTC',
    owner_email: options.adminEmail,
  });
  const server = await createServer(ctx, null, organization.permalink, {
    name: 'Development',
    permalink: 'development',
    mode: 'Development',
  });
  const scope = {
    actor: null,
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
    apiKey: api.key ?? '',
    smtpKey: smtp.key ?? '',
  };
}
