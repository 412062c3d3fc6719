import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentSchema, localConfigFrom, type LocalConfig } from '../../core/config.ts';
import type { SqlDialect } from '../../core/db/sql-dialect.ts';
import type { Clock } from '../../core/ports.ts';
import { startLocal, type LocalRuntime } from '../../bin/local/runtime.ts';
import { MemoryLogger } from '../fakes/memory-logger.ts';
import { freshDatabaseUrl } from './databases.ts';

export interface TestRuntime {
  runtime: LocalRuntime;
  config: LocalConfig;
  logger: MemoryLogger;
  baseUrl: string;
  adminEmail: string;
  adminPassword: string;
  /** Stops the runtime and removes its data directory and database. */
  stop(): Promise<void>;
}

/** The whole local platform in this process, on free ports, a private data directory and database. */
export async function startTestRuntime(
  dialect: SqlDialect,
  environment: Record<string, string> = {},
  clock?: Clock,
): Promise<TestRuntime> {
  const dataDir = mkdtempSync(join(tmpdir(), 'postern-runtime-'));
  const database = await freshDatabaseUrl(dialect);
  const config = localConfigFrom(
    EnvironmentSchema.parse({
      POSTERN_DATA_DIR: dataDir,
      POSTERN_DATABASE_URL: dialect === 'sqlite' ? `sqlite:${join(dataDir, 'postern.db')}` : database.url,
      POSTERN_HTTP_PORT: '0',
      POSTERN_SMTP_PORT: '0',
      POSTERN_SMTPS_PORT: '0',
      POSTERN_SMTP_HOST: '127.0.0.1',
      POSTERN_HOSTNAME: 'postern.test',
      ...environment,
    }),
  );
  const logger = new MemoryLogger();
  const adminEmail = 'admin@postern.test';
  const adminPassword = 'correct horse battery staple';
  const runtime = await startLocal({ config, logger, adminEmail, adminPassword, clock });
  return {
    runtime,
    config,
    logger,
    baseUrl: `http://127.0.0.1:${runtime.ports.http}`,
    adminEmail,
    adminPassword,
    async stop() {
      await runtime.close();
      await database.remove();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Logs in over HTTP and returns a bearer token. */
export async function logIn(baseUrl: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${baseUrl}/management/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 201) throw new Error(`login failed with ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}
