import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTransport } from 'nodemailer';
import { openDatabase } from '../../../core/db/database.ts';
import { acceptMessage } from '../../../core/messages/accept-message.ts';
import { createLocalContext } from '../../../bin/local/local-context.ts';
import { startLocal, type LocalRuntime } from '../../../bin/local/runtime.ts';
import { functions } from '../../../lambdas/topology.ts';
import { DIALECTS } from '../../helpers/databases.ts';
import { eventually } from '../../helpers/eventually.ts';
import { logIn, startTestRuntime, type TestRuntime } from '../../helpers/local-runtime.ts';

/** A concrete path that an API Gateway route template accepts. */
const samplePath = (template: string): string =>
  template.replace(/\{proxy\+\}/g, 'sample/path').replace(/\{\w+\}/g, 'sample');

for (const dialect of DIALECTS) {
  describe(`${dialect}: the local runtime`, () => {
    let t: TestRuntime;
    before(async () => {
      t = await startTestRuntime(dialect);
    });
    after(() => t.stop());

    it('wires every function of the topology with each of its triggers', () => {
      for (const fn of functions) {
        for (const trigger of fn.triggers) {
          if (trigger.kind === 'http') {
            for (const route of trigger.routes) {
              const method = route.method === 'ANY' ? 'GET' : route.method;
              const match = t.runtime.wiring.routes.match(method, samplePath(route.path));
              assert.equal(match?.target.spec.name, fn.name, `${route.method} ${route.path}`);
            }
          } else if (trigger.kind === 'queue') {
            assert.ok(
              t.runtime.wiring.consumers.some((c) => c.function === fn.name && c.queue === trigger.queue),
              `${fn.name} consumes ${trigger.queue}`,
            );
          } else {
            assert.ok(
              t.runtime.wiring.schedules.some(
                (s) =>
                  s.function === fn.name &&
                  s.name === trigger.name &&
                  s.everyMinutes === trigger.everyMinutes,
              ),
              `${fn.name} runs on ${trigger.name}`,
            );
          }
        }
      }
    });

    it('serves health, metrics and the management API over HTTP', async () => {
      const health = await fetch(`${t.baseUrl}/health`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
      assert.match(metrics, /^postern_policy_snapshot_version [1-9]\d*$/m);
      assert.match(metrics, /^postern_delivery_jobs\{queue="deliver-default",state="inHand"\} 0$/m);
      assert.match(
        metrics,
        /^postern_delivery_jobs_deferred_total\{queue="deliver-default",reason="half_of_hand"\} 0$/m,
      );
      const me = await fetch(`${t.baseUrl}/management/v1/me`);
      assert.equal(me.status, 401);
      const missing = await fetch(`${t.baseUrl}/nothing/here`);
      assert.equal(missing.status, 404);
    });

    it('creates the sample organization on first start', async () => {
      const first = t.runtime.firstStart;
      assert.ok(first);
      assert.equal(first.organization, 'sample');
      const token = await logIn(t.baseUrl, t.adminEmail, t.adminPassword);
      const server = await fetch(`${t.baseUrl}/management/v1/organizations/sample/servers/development`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(server.status, 200);
      assert.equal(((await server.json()) as { mode: string }).mode, 'Development');
    });

    it('refuses a credential revoked through the management API at the SMTP listener at once', async () => {
      const token = await logIn(t.baseUrl, t.adminEmail, t.adminPassword);
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const base = `${t.baseUrl}/management/v1/organizations/sample/servers/development/credentials`;
      const created = (await (
        await fetch(base, {
          method: 'POST',
          headers,
          body: JSON.stringify({ type: 'SMTP', name: 'revoke me' }),
        })
      ).json()) as { uuid: string; key: string };
      const transport = () =>
        createTransport({
          host: '127.0.0.1',
          port: t.runtime.ports.smtp,
          secure: false,
          requireTLS: true,
          tls: { rejectUnauthorized: false },
          auth: { user: 'sample/development', pass: created.key },
        });
      assert.equal(await transport().verify(), true);
      const revoked = await fetch(`${base}/${created.uuid}`, { method: 'DELETE', headers });
      assert.equal(revoked.status, 204);
      await assert.rejects(transport().verify(), (error: Error & { responseCode?: number }) => {
        assert.equal(error.responseCode, 535);
        return true;
      });
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: the local runtime at start-up`, () => {
    it('queues again an accepted message whose envelope is not on the ingest queue, and ingests it', async () => {
      const t = await startTestRuntime(dialect);
      let second: LocalRuntime | null = null;
      try {
        await t.runtime.close();
        // What a crash of the machine can leave behind: the raw message and its pointer, durable
        // before the 250, and no envelope, whose send had not been synced yet.
        const database = await openDatabase(t.config.databaseUrl);
        const { ctx, blobs } = await createLocalContext(t.config, database, t.logger);
        const server = await ctx.db.selectFrom('servers').select('id').executeTakeFirstOrThrow();
        const accepted = await acceptMessage(ctx, {
          raw: Buffer.from('From: app@example.com\r\nSubject: left behind\r\n\r\nhi\r\n'),
          via: 'smtp',
          mailFrom: 'app@example.com',
          recipients: [{ address: 'user@example.net', kind: 'outgoing', serverId: server.id, routeId: null }],
          credential: null,
          senderDomainId: null,
          tls: true,
          clientIp: '192.0.2.9',
          bounce: false,
          tag: null,
        });
        await ctx.db.deleteFrom('queue_messages').execute();
        await blobs.close();
        await database.destroy();

        second = await startLocal({
          config: t.config,
          logger: t.logger,
          adminEmail: t.adminEmail,
          adminPassword: t.adminPassword,
        });
        const [messageId] = accepted.messageIds;
        assert.ok(
          t.logger.has('warn', 'accepted messages whose envelopes were lost are queued again', {
            messageIds: [messageId],
          }),
        );
        const reopened = await openDatabase(t.config.databaseUrl);
        try {
          const row = await eventually(() =>
            reopened.db
              .selectFrom('messages')
              .select(['id', 'subject'])
              .where('id', '=', messageId!)
              .executeTakeFirst(),
          );
          assert.equal(row.subject, 'left behind');
        } finally {
          await reopened.destroy();
        }
      } finally {
        await second?.close();
        await t.stop();
      }
    });
  });
}
