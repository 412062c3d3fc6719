import { join } from 'node:path';
import { sql } from 'kysely';
import type { LocalConfig } from '../../core/config.ts';
import { syncIpPools } from '../../core/ip-pools/ip-pool-sync.ts';
import { firstStart, type FirstStartResult } from '../../core/bootstrap/first-start.ts';
import { openDatabase, type DatabaseHandle } from '../../core/db/database.ts';
import { syncCommitted } from '../../core/db/durability.ts';
import { migrateToLatest } from '../../core/db/migrate.ts';
import type { Clock, Logger } from '../../core/ports.ts';
import { startEdge, type Edge } from '../../smtp-edge/edge.ts';
import { CLAIM_PREFIX, CLAIM_RETENTION_DAYS } from '../../smtp-edge/delivery/delivery-worker.ts';
import { functions } from '../../lambdas/topology.ts';
import { lockDataDir, type DataDirLock } from './data-dir-lock.ts';
import { AcceptActivity } from './accept-activity.ts';
import { startBlobExpiry } from './blob-expiry.ts';
import { DatabaseUnreachableError } from './database-unreachable.ts';
import { loadFunctions } from './function-loader.ts';
import { requeueLostEnvelopes } from './lost-envelopes.ts';
import { startHttpServer, type LocalHttpServer } from './http-server.ts';
import { createLocalContext, localQueueSettings, localQueueSpecsOf } from './local-context.ts';
import { healthRoute, metricsRoute, spaRoute } from './local-routes.ts';
import { startQueuePollers, type QueuePollers } from './queue-pollers.ts';
import { startTimers, type Timers } from './timers.ts';

export interface LocalRuntimeOptions {
  config: LocalConfig;
  logger: Logger;
  adminEmail: string;
  adminPassword?: string;
  /** Time for every part (queues, retries, sessions); the system clock unless a test drives it. */
  clock?: Clock;
}

export interface LocalRuntime {
  ports: { http: number; smtp: number; smtps: number };
  /** Set on the first start of an empty database: the sample organization and its keys. */
  firstStart: FirstStartResult | null;
  databaseDialect: string;
  /** How the topology was wired: HTTP routes, queue consumers and schedules. */
  wiring: {
    routes: LocalHttpServer['routes'];
    consumers: QueuePollers['consumers'];
    schedules: Timers['schedules'];
  };
  /** Stops accepting, finishes work in flight, closes everything; resolves when done. */
  close(): Promise<void>;
}

/**
 * The composition root of the local shape: one process with the HTTP surfaces, the SMTP edge,
 * queue pollers and timers, all wired from lambdas/topology.ts as the cloud wires Lambda.
 */
export async function startLocal(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const { config, logger } = options;
  const startedAt = Date.now();
  const lock: DataDirLock = lockDataDir(config.dataDir);
  const cleanups: (() => Promise<void> | void)[] = [() => lock.release()];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    let database: DatabaseHandle;
    try {
      database = await openDatabase(config.databaseUrl);
    } catch (error) {
      throw new DatabaseUnreachableError(config.databaseUrl, error);
    }
    cleanups.push(() => database.destroy());
    await migrateToLatest(database.db, database.dialect);

    const { ctx, queue, blobs, snapshots } = await createLocalContext(
      config,
      database,
      logger,
      options.clock,
    );
    cleanups.push(() => blobs.close());
    await snapshots.start();
    cleanups.push(() => snapshots.stop());
    // Pools first: the sample organization made on first start gets the default pool.
    await syncIpPools(ctx, config.ipPools);
    const created = await firstStart(ctx, {
      adminEmail: options.adminEmail,
      adminPassword: options.adminPassword,
    });
    await ctx.policy.publish();
    await requeueLostEnvelopes(ctx, { blobs, queue });

    const activity = new AcceptActivity();
    const edge: Edge = await startEdge({
      reader: snapshots,
      blobs: ctx.blobs,
      queue: ctx.queue,
      ids: ctx.ids,
      clock: ctx.clock,
      logger,
      host: config.smtpHost,
      ports: { smtp: config.smtpPort, smtps: config.smtpsPort },
      onMessage: activity.mark,
      hostname: config.installation.hostname,
      tls: {
        certFile: config.tlsCertFile,
        keyFile: config.tlsKeyFile,
        cacheDir: join(config.dataDir, 'tls'),
      },
      delivery: {
        pools: config.ipPools.map((pool) => pool.name),
        dns: ctx.dns,
        relays: config.smtpRelays,
        deliveryPort: config.deliveryPort,
        allowPrivateTargets: config.allowPrivateTargets,
        visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
        onSend: (listener) => queue.onSend(listener),
      },
    });
    cleanups.push(() => edge.close());

    const loaded = await loadFunctions(functions, ctx);
    const pollers: QueuePollers = startQueuePollers({
      queue,
      queues: localQueueSpecsOf(config),
      functions: loaded,
      logger,
      giveWay: () => activity.busy(),
    });
    cleanups.push(() => pollers.stop());
    const timers: Timers = startTimers(loaded, logger);
    cleanups.push(() => timers.stop());
    const expiry = startBlobExpiry({
      blobs,
      rules: [{ prefix: CLAIM_PREFIX, afterDays: CLAIM_RETENTION_DAYS }],
      clock: ctx.clock,
      logger,
    });
    cleanups.push(() => expiry.stop());
    const http: LocalHttpServer = await startHttpServer({
      host: config.httpHost,
      port: config.httpPort,
      functions: loaded,
      logger,
      clock: ctx.clock,
      onRequest: activity.mark,
      syncAfterChange: () => syncCommitted(database.db, database.dialect),
      localRoutes: [
        healthRoute(async () => {
          await sql`select 1`.execute(ctx.db);
          return true;
        }),
        metricsRoute({
          queue,
          queues: localQueueSettings(localQueueSpecsOf(config)).map((settings) => settings.name),
          snapshotVersion: () => snapshots.current()?.version ?? null,
          delivery: () => edge.deliveryStats(),
          startedAt,
        }),
        spaRoute(join(import.meta.dirname, '..', '..', 'web', 'dist')),
      ],
    });
    cleanups.push(() => http.close());

    let closing: Promise<void> | null = null;
    return {
      ports: { http: http.port, ...edge.ports },
      firstStart: created,
      databaseDialect: database.dialect,
      wiring: { routes: http.routes, consumers: pollers.consumers, schedules: timers.schedules },
      close: () => (closing ??= closeAll()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
