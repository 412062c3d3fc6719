import type { AppContext } from '../../core/context.ts';
import type { Row } from '../../core/db/schema.ts';
import type { ServerScope } from '../../core/management/scope.ts';
import { createCredential } from '../../core/credentials/credentials.ts';
import { createDomain } from '../../core/domains/domains.ts';
import { createOrganization } from '../../core/organizations/organizations.ts';
import { createServer } from '../../core/servers/servers.ts';
import { createWebhook } from '../../core/webhooks/webhooks.ts';
import type { CreateWebhookInput } from '../../core/webhooks/webhook-schemas.ts';
import type { SqlDialect } from '../../core/db/sql-dialect.ts';
import { ManualClock } from '../fakes/manual-clock.ts';
import { testAdmin } from './actors.ts';
import { createTestContext, type TestContext } from './test-context.ts';

export interface ServerFixture {
  scope: ServerScope;
  server: Row<'servers'>;
  apiKey: string;
  smtpKey: string;
  /** Re-reads the server row (after a change through core). */
  reload(): Promise<Row<'servers'>>;
}

/** An organization with one server sending from a verified domain, and an API and SMTP key. */
export async function createServerFixture(
  ctx: AppContext,
  options: { permalink?: string; mode?: 'Live' | 'Development'; domain?: string } = {},
): Promise<ServerFixture> {
  const permalink = options.permalink ?? 'acme';
  const organization = await createOrganization(ctx, testAdmin, {
    name: permalink,
    permalink,
    time_zone: 'UTC',
  });
  const view = await createServer(ctx, testAdmin, organization.permalink, {
    name: 'Main',
    permalink: 'main',
    mode: options.mode ?? 'Live',
  });
  const load = () =>
    ctx.db.selectFrom('servers').selectAll().where('uuid', '=', view.uuid).executeTakeFirstOrThrow();
  const scope: ServerScope = {
    actor: testAdmin,
    organization: await ctx.db
      .selectFrom('organizations')
      .selectAll()
      .where('uuid', '=', organization.uuid)
      .executeTakeFirstOrThrow(),
    server: await load(),
  };
  await createDomain(ctx, scope, { name: options.domain ?? 'example.com', verification_method: 'DNS' });
  const api = await createCredential(ctx, scope, { type: 'API', name: 'api', hold: false });
  const smtp = await createCredential(ctx, scope, { type: 'SMTP', name: 'smtp', hold: false });
  return { scope, server: scope.server, apiKey: api.key ?? '', smtpKey: smtp.key ?? '', reload: load };
}

/** A test context whose time moves only when the test says, with a server fixture in it. */
export async function serverOnManualClock(
  dialect: SqlDialect,
): Promise<{ t: TestContext; clock: ManualClock; fixture: ServerFixture }> {
  const clock = new ManualClock();
  const t = await createTestContext(dialect, { clock });
  return { t, clock, fixture: await createServerFixture(t.ctx) };
}

/** A webhook of the server, enabled for all events unless `events` lists some. */
export async function addWebhook(
  ctx: AppContext,
  fixture: ServerFixture,
  name: string,
  events: CreateWebhookInput['events'] = [],
): Promise<void> {
  await createWebhook(ctx, fixture.scope, {
    name,
    url: `https://hooks.example.com/${name}`,
    enabled: true,
    all_events: events.length === 0,
    events,
  });
}
