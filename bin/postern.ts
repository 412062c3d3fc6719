#!/usr/bin/env -S node --max-semi-space-size=16
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { EnvironmentSchema, localConfigFrom, type LocalConfig } from '../core/config.ts';
import { PosternError } from '../core/errors.ts';
import { DataDirLockedError } from './local/data-dir-lock.ts';
import { DatabaseUnreachableError } from './local/database-unreachable.ts';
import packageJson from '../package.json' with { type: 'json' };

// Commands load what they need when they run, so `--help` and `version` answer at once.

const usage: Record<string, string> = {
  main: `Usage: postern <command> [options]

Commands:
  start       run the whole platform in this process (HTTP, SMTP, queues, timers)
  migrate     bring the database schema up to date
  make-user   create a user
  version     print the version

Run \`postern <command> --help\` for a command's options. Configuration comes from POSTERN_*
environment variables (see README.md).`,
  start: `Usage: postern start

Runs the platform with the data directory POSTERN_DATA_DIR (default ./.postern). The first start
on an empty database creates an administrator and a sample organization and prints how to log in
and send a first message. SIGTERM or Ctrl-C stops accepting, finishes work in flight and exits.`,
  migrate: `Usage: postern migrate

Creates the database if it is MySQL and missing, then applies every pending migration.`,
  'make-user': `Usage: postern make-user --email <address> --name <first name> [--last-name <name>] [--admin]

The password is read from POSTERN_NEW_USER_PASSWORD, or generated and printed.`,
  version: 'Usage: postern version',
};

function configFromEnvironment(): LocalConfig {
  const parsed = EnvironmentSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new UsageError(`invalid configuration:\n${lines.join('\n')}`);
  }
  try {
    return localConfigFrom(parsed.data);
  } catch (error) {
    if (!(error instanceof z.ZodError)) throw error;
    const lines = error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new UsageError(`invalid configuration:\n${lines.join('\n')}`);
  }
}

class UsageError extends Error {}

async function migrate(config: LocalConfig): Promise<void> {
  const { ensureMysqlDatabase, openDatabase, parseDatabaseUrl } = await import('../core/db/database.ts');
  const { migrateToLatest } = await import('../core/db/migrate.ts');
  if (parseDatabaseUrl(config.databaseUrl).dialect === 'mysql') await ensureMysqlDatabase(config.databaseUrl);
  const database = await openDatabase(config.databaseUrl).catch((error: unknown) => {
    throw new DatabaseUnreachableError(config.databaseUrl, error);
  });
  try {
    const { applied } = await migrateToLatest(database.db, database.dialect);
    console.log(
      applied.length === 0 ? 'The schema is up to date.' : `Applied ${applied.length} migration steps.`,
    );
  } finally {
    await database.destroy();
  }
}

async function start(config: LocalConfig): Promise<void> {
  // libuv's pool (4 threads by default) runs every fsync: each accepted message waits for a few,
  // and more of them in flight let the file system commit them together. Read when the pool
  // starts, that is at the first file operation, which is still to come here.
  process.env.UV_THREADPOOL_SIZE ??= '16';
  const { ensureMysqlDatabase, parseDatabaseUrl } = await import('../core/db/database.ts');
  const { JsonLogger } = await import('../core/local/json-logger.ts');
  const { BatchedLineSink } = await import('../core/local/batched-line-sink.ts');
  const { startLocal } = await import('./local/runtime.ts');
  const { printBanner } = await import('./local/banner.ts');
  const lines = new BatchedLineSink(process.stdout);
  // Also on an uncaught error: Node runs 'exit' listeners before it ends the process.
  process.on('exit', () => lines.flush());
  const logger = new JsonLogger({ level: config.logLevel, stream: lines });
  if (parseDatabaseUrl(config.databaseUrl).dialect === 'mysql') {
    await ensureMysqlDatabase(config.databaseUrl).catch((error: unknown) => {
      throw new DatabaseUnreachableError(config.databaseUrl, error);
    });
  }
  // Signals are caught before anything starts: a SIGTERM during start-up (or just after the
  // banner) stops cleanly once the runtime is up, rather than killing the process mid-write.
  let stopRequested: string | null = null;
  let stopNow: ((signal: string) => void) | null = null;
  const onSignal = (signal: string) => {
    if (stopRequested) return;
    stopRequested = signal;
    stopNow?.(signal);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  const runtime = await startLocal({
    config,
    logger,
    adminEmail: process.env.POSTERN_ADMIN_EMAIL ?? `admin@${config.installation.hostname}`,
    adminPassword: process.env.POSTERN_ADMIN_PASSWORD,
  });
  stopNow = (signal) => {
    logger.info('stopping', { signal });
    runtime.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`postern: error while stopping: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  if (stopRequested) return stopNow(stopRequested);
  // The start-up's lines before the banner, as they were logged.
  lines.flush();
  printBanner({ config, runtime, version: packageJson.version });
}

async function main(argv: string[]): Promise<void> {
  const [command = '--help', ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') return void console.log(usage.main);
  if (!(command in usage))
    throw new UsageError(`unknown command ${JSON.stringify(command)}\n\n${usage.main}`);
  if (rest.includes('--help') || rest.includes('-h')) return void console.log(usage[command]);
  switch (command) {
    case 'version':
      return void console.log(packageJson.version);
    case 'migrate':
      return migrate(configFromEnvironment());
    case 'start':
      return start(configFromEnvironment());
    case 'make-user': {
      const { values } = parseArgs({
        args: rest,
        options: {
          email: { type: 'string' },
          name: { type: 'string' },
          'last-name': { type: 'string' },
          admin: { type: 'boolean', default: false },
        },
        strict: true,
      });
      if (!values.email || !values.name) throw new UsageError(usage['make-user']);
      const { makeUser } = await import('./local/make-user.ts');
      return makeUser(configFromEnvironment(), {
        email: values.email,
        firstName: values.name,
        lastName: values['last-name'] ?? '',
        admin: values.admin,
        password: process.env.POSTERN_NEW_USER_PASSWORD,
      });
    }
  }
}

/** Failures a user can act on: one clear line and a non-zero exit, never a stack trace. */
function isExpected(error: unknown): error is Error {
  if (
    error instanceof UsageError ||
    error instanceof DataDirLockedError ||
    error instanceof DatabaseUnreachableError ||
    error instanceof PosternError
  ) {
    return true;
  }
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  return code === 'EADDRINUSE' || code === 'EACCES' || code.startsWith('ERR_PARSE_ARGS');
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (isExpected(error)) {
    console.error(`postern: ${error.message}`);
  } else {
    console.error('postern: unexpected error');
    console.error(error);
  }
  process.exit(1);
});
