import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { GroupedDataSync } from './wal-sync.ts';

export interface WalCheckpointerOptions {
  /** How much the log grows between two slices copied into the database file. */
  sliceBytes: number;
  /** How much the log grows before it is copied whole, the file synced and the log started over. */
  restartBytes: number;
}

/**
 * Copies a WAL database's log into its file a slice at a time, for a writer whose every commit
 * goes through one owner that calls `written` before its next write (as SqliteBlobStore's group
 * commit does), and whose connection runs with `wal_autocheckpoint = 0`.
 *
 * node:sqlite is synchronous, so a checkpoint holds the event loop for as long as it copies: a
 * 4 MB log of 5 KB messages took 7 – 9 ms, long enough to show in the send API's p95. SQLite has
 * no checkpoint of N pages, but a passive checkpoint copies no frame past the snapshot of a
 * reader. So a second connection holds a read snapshot taken at the last slice; the next slice
 * copies up to it (about 0.7 ms for 512 KB) and takes a new one. Pages written again in several
 * slices are copied more than once, a few a slice.
 *
 * Copying runs with `synchronous = off`, so SQLite does not fsync the database file on the event
 * loop. That is safe while the log still holds every frame copied: a crash replays it over
 * whatever part of the copy reached the disk. The log starts over only at a write after a
 * checkpoint that copied all of it, with no reader in it; the held snapshot keeps a slice from
 * being that, and whenever a checkpoint has copied all of it anyway, the database file is synced
 * from the thread pool before `written` resolves, so before the next write can start the log over.
 */
export class WalCheckpointer {
  readonly #writer: DatabaseSync;
  readonly #reader: DatabaseSync;
  readonly #checkpoint: StatementSync;
  readonly #snapshot: StatementSync;
  readonly #databaseSync: GroupedDataSync;
  readonly #options: WalCheckpointerOptions;
  #sinceSlice = 0;
  #sinceRestart = 0;
  #holding = false;

  /** `writer` is the connection that writes `path`, a database in WAL mode. */
  constructor(writer: DatabaseSync, path: string, options: WalCheckpointerOptions) {
    this.#writer = writer;
    this.#reader = new DatabaseSync(path, { timeout: 5000 });
    this.#checkpoint = writer.prepare('pragma wal_checkpoint(passive)');
    // A transaction's first read takes its snapshot.
    this.#snapshot = this.#reader.prepare('select 1 from sqlite_schema limit 1');
    this.#databaseSync = new GroupedDataSync(path);
    this.#options = options;
  }

  /** After each commit, with about how many bytes it added to the log; the next write waits for it. */
  async written(bytes: number): Promise<void> {
    this.#sinceSlice += bytes;
    this.#sinceRestart += bytes;
    if (this.#sinceRestart >= this.#options.restartBytes) {
      this.#sinceRestart = 0;
      this.#sinceSlice = 0;
      this.#release();
      await this.#copy();
    } else if (this.#sinceSlice >= this.#options.sliceBytes) {
      this.#sinceSlice = 0;
      if (this.#holding) {
        await this.#copy();
        this.#release();
      }
      this.#hold();
    }
  }

  async close(): Promise<void> {
    this.#release();
    // Before the writer: the last connection to close a database checkpoints it.
    this.#reader.close();
    await this.#databaseSync.close();
  }

  /** Copies the log up to the held snapshot, or all of it when none is held. */
  async #copy(): Promise<void> {
    this.#writer.exec('pragma synchronous = off');
    let copied: { log: number; checkpointed: number };
    try {
      copied = this.#checkpoint.get() as { log: number; checkpointed: number };
    } finally {
      this.#writer.exec('pragma synchronous = normal');
    }
    if (copied.checkpointed === copied.log) await this.#databaseSync.sync();
  }

  #hold(): void {
    this.#reader.exec('begin');
    this.#snapshot.get();
    this.#holding = true;
  }

  #release(): void {
    if (!this.#holding) return;
    this.#reader.exec('commit');
    this.#holding = false;
  }
}
