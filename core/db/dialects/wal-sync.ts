import { open, type FileHandle } from 'node:fs/promises';
import { GroupCommit } from '../../local/group-commit.ts';

/**
 * fdatasync of one file from libuv's thread pool, where it cannot hold the event loop. Callers
 * who arrive while a sync runs share the next one. A file that does not exist yet has nothing
 * to sync.
 */
export class GroupedDataSync {
  readonly #path: string;
  #handle: Promise<FileHandle> | null = null;
  readonly #syncs = new GroupCommit<null>(() => this.#sync());
  #begun = 0;
  #finished = 0;

  constructor(path: string) {
    this.#path = path;
  }

  /** Resolves once everything written to the file before the call is on disk. */
  sync(): Promise<void> {
    return this.#syncs.submit(null);
  }

  /** How many syncs have begun; one that begins later covers everything written before. */
  get begun(): number {
    return this.#begun;
  }

  /** The number of the last sync to finish (they run one at a time, in order). */
  get finished(): number {
    return this.#finished;
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    await (await handle?.catch(() => null))?.close();
  }

  async #sync(): Promise<void> {
    const number = (this.#begun += 1);
    // One descriptor serves throughout: fdatasync flushes the file, whichever descriptor wrote.
    this.#handle ??= open(this.#path, 'r');
    let handle: FileHandle;
    try {
      handle = await this.#handle;
    } catch (error) {
      this.#handle = null;
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.#finished = number;
      return;
    }
    await handle.datasync();
    this.#finished = number;
  }
}

/**
 * Makes a SQLite database's committed transactions durable by syncing its write-ahead log from
 * the thread pool, rather than by `synchronous = FULL`, whose fsync inside each commit holds
 * the event loop (node:sqlite is synchronous). A commit under `synchronous = NORMAL` has written
 * its frames to the WAL file; once that file's data is synced, the commit survives a machine
 * crash exactly as a FULL commit would, and so does every commit before it (the WAL is replayed
 * in order). No log yet means nothing has been committed in WAL mode; the log lives as long as a
 * connection is open (a checkpoint rewinds it, keeping the file).
 */
export class WalSync extends GroupedDataSync {
  /** `databasePath` is the database file; its log is `<path>-wal`, as SQLite names it. */
  constructor(databasePath: string) {
    super(`${databasePath}-wal`);
  }
}
