import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { GroupedDataSync } from './wal-sync.ts';

/**
 * Copies a WAL database's log into its file a slice at a time, for a writer connection that runs
 * with `wal_autocheckpoint = 0` and whose owner calls `slice` only between its transactions,
 * starting no write until it resolves.
 *
 * node:sqlite is synchronous, so a checkpoint holds the event loop for as long as it copies: a
 * 4 MB log of 5 KB messages took 7 – 9 ms, long enough to show in the send API's p95. SQLite has
 * no checkpoint of N pages, but a passive checkpoint copies no frame past the snapshot of a
 * reader. So a second connection holds a read snapshot taken at the last slice; the next slice
 * copies up to it (about 0.7 ms for 512 KB) and takes a new one. Pages written again in several
 * slices are copied more than once, a few a slice. Once the log has reached its restart length,
 * a slice copies all of it, so that the next write starts it over.
 *
 * Copying runs with `synchronous = off`, so SQLite fsyncs neither the log nor the database file
 * on the event loop. SQLite's own checkpoint syncs the log before it copies: a frame copied into
 * the file before the log holding it is on disk could leave in the file, after a crash of the
 * machine, a page of a commit the log lost. So a copy goes only as far as a finished sync of the
 * log reaches (the owner's syncs count: a slice right after one costs no other). The database
 * file may then hold a copy only partly on disk, which is safe while the log still holds every
 * frame copied: a crash replays it. The log starts over only at a write after a checkpoint that
 * copied all of it, with no reader in it. The held snapshot keeps a slice from being that, and
 * whenever a checkpoint has copied all of it anyway, the database file is synced from the thread
 * pool before `slice` resolves, so before the next write can start the log over. This
 * relies on one process writing the database, as the data directory's lock ensures.
 */
export class WalCheckpointer {
  readonly #writer: DatabaseSync;
  readonly #reader: DatabaseSync;
  readonly #checkpoint: StatementSync;
  readonly #snapshot: StatementSync;
  readonly #walSync: GroupedDataSync;
  readonly #databaseSync: GroupedDataSync;
  readonly #restartPages: number;
  #holding = false;
  /** A sync of the log numbered above this began after the held snapshot was taken. */
  #syncsBeforeSnapshot = 0;

  /**
   * `writer` is the connection that writes `path`, a database in WAL mode; `walSync` syncs its
   * log, which starts over once it holds `restartPages` pages.
   */
  constructor(writer: DatabaseSync, path: string, walSync: GroupedDataSync, restartPages: number) {
    this.#writer = writer;
    this.#walSync = walSync;
    this.#restartPages = restartPages;
    this.#reader = new DatabaseSync(path, { timeout: 5000 });
    this.#checkpoint = writer.prepare('pragma wal_checkpoint(passive)');
    // A transaction's first read takes its snapshot.
    this.#snapshot = this.#reader.prepare('select 1 from sqlite_schema limit 1');
    this.#databaseSync = new GroupedDataSync(path);
  }

  /** Whether a slice can copy without syncing the log first. */
  get logSynced(): boolean {
    return !this.#holding || this.#walSync.finished > this.#syncsBeforeSnapshot;
  }

  /**
   * Copies the log up to the snapshot taken by the slice before, then takes one at its end; or,
   * when the log has reached its restart length, copies all of it and takes none.
   */
  async slice(): Promise<void> {
    if (this.#holding) {
      if (!this.logSynced) await this.#walSync.sync();
      const log = await this.#copy();
      this.#release();
      if (log >= this.#restartPages) return this.#whole();
    }
    this.#reader.exec('begin');
    this.#snapshot.get();
    this.#holding = true;
    // Numbered as it begins, before its fdatasync: any sync numbered above began after this.
    this.#syncsBeforeSnapshot = this.#walSync.begun;
  }

  async close(): Promise<void> {
    this.#release();
    // Before the writer: the last connection to close a database checkpoints it.
    this.#reader.close();
    await this.#databaseSync.close();
  }

  /** Copies the log up to the held snapshot, or all of it when none is held; resolves with its length. */
  async #copy(): Promise<number> {
    this.#writer.exec('pragma synchronous = off');
    let copied: { log: number; checkpointed: number };
    try {
      copied = this.#checkpoint.get() as { log: number; checkpointed: number };
    } finally {
      this.#writer.exec('pragma synchronous = normal');
    }
    if (copied.checkpointed === copied.log) await this.#databaseSync.sync();
    return copied.log;
  }

  /** Copies all of the log, so that the next write starts it over. */
  async #whole(): Promise<void> {
    // Nothing dirty after the owner's own sync makes this one quick.
    await this.#walSync.sync();
    await this.#copy();
  }

  #release(): void {
    if (!this.#holding) return;
    this.#reader.exec('commit');
    this.#holding = false;
  }
}
