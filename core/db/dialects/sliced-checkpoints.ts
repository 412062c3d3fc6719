import type { Kysely } from 'kysely';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { WalCheckpointer } from './wal-checkpointer.ts';
import type { WalSync } from './wal-sync.ts';

export interface SlicedCheckpointOptions {
  /** How often a slice is copied while the database is written to. */
  everyMs: number;
  /** The log's length in pages at which it is copied whole and started over. */
  restartPages: number;
}

/** Ticks with changes and no sync of the log in between, before a tick syncs it itself. */
const TICKS_BEFORE_OWN_SYNC = 10;

export const MAIN_DATABASE_CHECKPOINTS: SlicedCheckpointOptions = {
  everyMs: 100,
  // About 40 MB of log. The pipeline writes the same few pages over and over (the newest rows of
  // the queue and of the messages and their indexes, the hour's counters), about 20 pages of log a
  // message; a slice copies each page once however often the log holds it.
  restartPages: 10_000,
};

/**
 * The checkpoints of a database written through Kysely: a slice of its log copied on a timer
 * while it is written to (dialects/wal-checkpointer.ts), instead of SQLite's automatic
 * checkpoint. That one runs inside the commit that crosses its threshold and, under
 * synchronous = NORMAL, fsyncs the log and the database file there, on the event loop: under a
 * burst of sent mail, pauses of 4 – 7 ms every few hundred messages, longer when the disk is
 * slow. Kysely hands its one connection to one user at a time; a slice takes it like a query
 * does, so it falls between transactions and no write starts before it is done.
 */
export class SlicedCheckpoints<DB> {
  readonly #db: Kysely<DB>;
  readonly #checkpointer: WalCheckpointer;
  readonly #walSync: WalSync;
  readonly #changes: StatementSync;
  readonly #timer: ReturnType<typeof setInterval>;
  #changesSeen = 0;
  #ticksWithoutSync = 0;
  /** The tick under way: one still going when the next is due is not doubled up (as bin/local/timers.ts). */
  #ticking: Promise<void> | null = null;

  /**
   * `raw` is the connection under `db`, with `wal_autocheckpoint = 0`, on the file `path`;
   * `walSync` syncs its log.
   */
  constructor(
    db: Kysely<DB>,
    raw: DatabaseSync,
    path: string,
    walSync: WalSync,
    options: SlicedCheckpointOptions,
  ) {
    this.#db = db;
    this.#checkpointer = new WalCheckpointer(raw, path, walSync, options.restartPages);
    this.#walSync = walSync;
    this.#changes = raw.prepare('select total_changes() as changes');
    this.#timer = setInterval(() => {
      this.#ticking ??= this.#tick().finally(() => (this.#ticking = null));
    }, options.everyMs);
    this.#timer.unref();
  }

  #totalChanges(): number {
    return (this.#changes.get() as { changes: number }).changes;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#ticking;
    await this.#checkpointer.close();
  }

  async #tick(): Promise<void> {
    try {
      // Rows this connection changed since it opened: a database left alone is left alone.
      if (this.#totalChanges() === this.#changesSeen) return;
      // A slice copies only what a finished sync of the log covers. Commits are synced where the
      // outside world hears of them (durability.ts), so while mail flows one soon comes by; when
      // none has for a while, the log is synced here, before queries are held up for the slice.
      if (!this.#checkpointer.logSynced) {
        this.#ticksWithoutSync += 1;
        if (this.#ticksWithoutSync < TICKS_BEFORE_OWN_SYNC) return;
        await this.#walSync.sync();
      }
      this.#ticksWithoutSync = 0;
      await this.#db.connection().execute(async () => {
        await this.#checkpointer.slice();
        // Between transactions, every change counted so far is behind the new snapshot.
        this.#changesSeen = this.#totalChanges();
      });
    } catch (error) {
      // The log keeps every commit until a later slice copies it; say why this one did not.
      process.emitWarning(
        error instanceof Error ? error : new Error(String(error)),
        'SlicedCheckpointWarning',
      );
    }
  }
}
