import { DatabaseSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

// One process owns a data directory. The lock is an exclusive SQLite lock on a file of its own:
// SQLite's POSIX advisory locks die with the process, so a kill -9 never leaves a stale lock,
// and no native add-on is needed for flock().

export class DataDirLockedError extends Error {
  constructor(dataDir: string) {
    super(`another Postern process is using the data directory ${dataDir}`);
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const database = new DatabaseSync(join(dataDir, 'postern.lock'), { timeout: 0 });
  try {
    database.exec('pragma locking_mode = exclusive');
    // The first write takes the exclusive lock and, in exclusive mode, keeps it until close.
    database.exec('begin exclusive');
    database.exec('create table if not exists owner (pid integer)');
    database.exec('delete from owner');
    database.prepare('insert into owner (pid) values (?)').run(process.pid);
    database.exec('commit');
  } catch (error) {
    database.close();
    if (error instanceof Error && /locked|busy/i.test(error.message)) throw new DataDirLockedError(dataDir);
    throw error;
  }
  return { release: () => database.close() };
}
