import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { openWalDatabase } from '../db/dialects/node-sqlite.ts';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { WalCheckpointer } from '../db/dialects/wal-checkpointer.ts';
import { WalSync } from '../db/dialects/wal-sync.ts';
import type { BlobObject, BlobPutOptions, BlobStore, Clock } from '../ports.ts';
import { blobKeySegments, etagOf } from './blob-key.ts';
import type { FileBlobStore } from './file-blob-store.ts';
import { GroupCommit } from './group-commit.ts';
import { KeyedLock } from './keyed-lock.ts';
import { systemClock } from './system-clock.ts';

// A row is written and read on the event loop (node:sqlite is synchronous): 31 µs for 5 KB,
// 0.6 ms at 256 KB, 68 ms at 14 MB, which would stall every session. So bodies up to this size
// are rows, and larger ones files, written and read off the event loop.
const INLINE_LIMIT = 256 * 1024;

// The log is copied into the database file a slice at a time (dialects/wal-checkpointer.ts),
// and started over at as long as SQLite's own automatic checkpoint lets it grow (1,000 pages of
// 4 KB).
const CHECKPOINT_SLICE_BYTES = 512 * 1024;
const LOG_RESTART_PAGES = 1000;
// What a write adds to the log besides its body: its share of the pages it touches.
const WRITE_OVERHEAD_BYTES = 512;

// The store's user_version once #adoptFiles has run.
const ADOPTED_FILES_VERSION = 1;

// Rows an expiry deletes per statement, handing the event loop back between statements.
const EXPIRE_BATCH = 1000;

type Write =
  | {
      kind: 'put';
      key: string;
      body: Uint8Array | null;
      etag: string;
      writtenAt: number;
      /** Set by the commit: an inline body replaced a row whose body was a file. */
      replacedFile?: boolean;
    }
  | { kind: 'delete'; key: string }
  | {
      kind: 'expire';
      /** Keys from `start` (inclusive) to `end` (exclusive) written before `before`, at most EXPIRE_BATCH. */
      start: string;
      end: string;
      before: number;
      /** Set by the commit: what it deleted. */
      removed?: { key: string; external: number }[];
    };

interface Head {
  etag: string;
  /** The body is in the file store rather than in the row. */
  external: boolean;
}

export interface SqliteBlobStoreOptions {
  /** The SQLite file of the blobs; created when missing. */
  path: string;
  /** Where bodies larger than a row should hold go, one file each. */
  files: FileBlobStore;
  /** When a blob was written, for expiry; the system clock by default. */
  clock?: Clock;
}

/**
 * Blobs as rows of a SQLite file of their own, the local stand-in for S3, so that a durable put
 * costs a share of one group commit rather than a file's create, fsync and rename each. Puts and
 * deletes that arrive while a commit is under way go into the next transaction together, made
 * durable by one sync of its write-ahead log from the thread pool (dialects/wal-sync.ts): a burst
 * of accepted messages, each a raw body and a pointer per recipient, costs a few syncs in all.
 * Bodies too large to hold the event loop for are files of `files`, their rows saying so.
 *
 * Work on one key is serialized in-process, which makes conditional puts atomic as long as one
 * process owns the store, as the local shape does (bin/local/data-dir-lock.ts).
 */
export class SqliteBlobStore implements BlobStore {
  readonly #db: DatabaseSync;
  readonly #walSync: WalSync;
  readonly #checkpointer: WalCheckpointer;
  /** Roughly what the log gained since the last slice. */
  #sinceSlice = 0;
  readonly #files: FileBlobStore;
  readonly #clock: Clock;
  readonly #locks = new KeyedLock();
  readonly #writes = new GroupCommit<Write>((writes) => this.#commit(writes));
  readonly #head: StatementSync;
  readonly #body: StatementSync;
  readonly #upsert: StatementSync;
  readonly #upsertOverRow: StatementSync;
  readonly #delete: StatementSync;
  readonly #expire: StatementSync;
  readonly #keysIn: StatementSync;

  /**
   * Opens the store, first adopting the files of a data directory written when every blob was a
   * file (see #adoptFiles). Resolves with the store and how many files it adopted.
   */
  static async open(options: SqliteBlobStoreOptions): Promise<{ store: SqliteBlobStore; adopted: number }> {
    const store = new SqliteBlobStore(options);
    try {
      return { store, adopted: await store.#adoptFiles() };
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  private constructor(options: SqliteBlobStoreOptions) {
    // #commit syncs the log once for each group.
    this.#db = openWalDatabase(options.path);
    // Checkpoints are the checkpointer's, after a commit, not inside one (see there).
    this.#db.exec('pragma wal_autocheckpoint = 0');
    this.#db.exec(
      'create table if not exists blobs (key text primary key, body blob, etag text not null, written_at integer not null)',
    );
    this.#walSync = new WalSync(options.path);
    this.#checkpointer = new WalCheckpointer(this.#db, options.path, this.#walSync, LOG_RESTART_PAGES);
    this.#files = options.files;
    this.#clock = options.clock ?? systemClock;
    this.#head = this.#db.prepare('select etag, body is null as external from blobs where key = ?');
    this.#body = this.#db.prepare('select etag, body from blobs where key = ?');
    const upsert =
      'insert into blobs (key, body, etag, written_at) values (?, ?, ?, ?) ' +
      'on conflict (key) do update set body = excluded.body, etag = excluded.etag, written_at = excluded.written_at';
    this.#upsert = this.#db.prepare(upsert);
    // Changes nothing where the row's body is a file, which tells the commit so.
    this.#upsertOverRow = this.#db.prepare(`${upsert} where blobs.body is not null`);
    this.#delete = this.#db.prepare('delete from blobs where key = ?');
    this.#keysIn = this.#db.prepare('select key from blobs where key >= ? and key < ? order by key');
    this.#expire = this.#db.prepare(
      'delete from blobs where rowid in (select rowid from blobs where key >= ? and key < ? and written_at < ? limit ?) ' +
        'returning key, body is null as external',
    );
  }

  async put(
    key: string,
    body: Uint8Array | string,
    options: BlobPutOptions = {},
  ): Promise<{ etag: string } | null> {
    blobKeySegments(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return this.#locks.run(key, async () => {
      // Only a condition needs the current row first; an unconditional put's upsert says itself
      // whether it replaced a body that was a file.
      if (options.ifNoneMatch !== undefined || options.ifMatch !== undefined) {
        const current = this.#headOf(key);
        if (options.ifNoneMatch === '*' && current) return null;
        const etag = await this.#etagOf(key, current);
        if (options.ifMatch !== undefined && etag !== options.ifMatch) return null;
      }
      const inline = bytes.byteLength <= INLINE_LIMIT;
      // The file before its row: a row never names a body that is not there.
      if (!inline) await this.#files.put(key, bytes);
      const write: Write = {
        kind: 'put',
        key,
        body: inline ? bytes : null,
        etag: etagOf(bytes),
        writtenAt: this.#clock.now(),
      };
      await this.#writes.submit(write);
      if (write.replacedFile) await this.#files.delete(key);
      return { etag: write.etag };
    });
  }

  async get(
    key: string,
    options: { ifNoneMatch?: string } = {},
  ): Promise<BlobObject | 'not-modified' | null> {
    blobKeySegments(key);
    const row = this.#body.get(key) as { etag: string; body: Uint8Array | null } | undefined;
    if (!row) return null;
    // A file answers with its own etag: after a crash between a large put's file and its row,
    // the file is the newer of the two. The file store opens the file in this same turn, so a
    // put that moves the body into its row cannot delete the file in between.
    if (row.body === null) return this.#files.get(key, options);
    if (options.ifNoneMatch === row.etag) return 'not-modified';
    return { body: row.body, etag: row.etag };
  }

  async delete(key: string): Promise<void> {
    blobKeySegments(key);
    await this.#locks.run(key, async () => {
      const current = this.#headOf(key);
      if (!current) return;
      await this.#writes.submit({ kind: 'delete', key });
      if (current.external) await this.#files.delete(key);
    });
  }

  /**
   * Deletes the blobs under `prefix` (ending in '/') last written before `before` (epoch ms, by
   * the store's clock), as an S3 lifecycle rule expires objects: the local stand-in for one.
   * Resolves with how many went.
   */
  async expire(prefix: string, before: number): Promise<number> {
    const [start, end] = keyRange(prefix);
    let removed = 0;
    for (;;) {
      // Through #commit, as every write is (the checkpointer counts on it).
      const expiry: Write = { kind: 'expire', start, end, before };
      await this.#writes.submit(expiry);
      const rows = expiry.removed ?? [];
      removed += rows.length;
      for (const row of rows.filter((row) => row.external)) {
        // Under the key's lock, and only if no put has written the key again since.
        await this.#locks.run(row.key, async () => {
          if (!this.#headOf(row.key)) await this.#files.delete(row.key);
        });
      }
      if (rows.length < EXPIRE_BATCH) return removed;
      await nextTurn();
    }
  }

  /** The keys under `prefix` (ending in '/'), in order, as S3 lists them. */
  keys(prefix: string): string[] {
    const rows = this.#keysIn.all(...keyRange(prefix)) as { key: string }[];
    return rows.map((row) => row.key);
  }

  /**
   * Gives each file already under the file store's folder a row that names it, so that a data
   * directory from before this store (every blob a file there) reads as it did: accepted mail
   * waiting in it is not lost. Once per store, in one transaction with the mark that it ran, so
   * a crash midway leaves it to run again. An adopted row's etag is empty: a body that is a file
   * answers with the file's own.
   */
  async #adoptFiles(): Promise<number> {
    const { user_version: version } = this.#db.prepare('pragma user_version').get() as {
      user_version: number;
    };
    if (version >= ADOPTED_FILES_VERSION) return 0;
    const root = this.#files.root;
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    });
    const adopted: { key: string; writtenAt: number }[] = [];
    for (const entry of entries) {
      // Temp files of an unfinished write start with a dot; they never were blobs.
      if (!entry.isFile() || entry.name.startsWith('.')) continue;
      const path = join(entry.parentPath, entry.name);
      const key = relative(root, path).split(sep).join('/');
      adopted.push({ key, writtenAt: (await stat(path)).mtimeMs });
    }
    const insert = this.#db.prepare(
      'insert or ignore into blobs (key, body, etag, written_at) values (?, null, ?, ?)',
    );
    this.#db.exec('begin');
    try {
      for (const { key, writtenAt } of adopted) insert.run(key, '', Math.floor(writtenAt));
      this.#db.exec(`pragma user_version = ${ADOPTED_FILES_VERSION}`);
      this.#db.exec('commit');
    } catch (error) {
      this.#db.exec('rollback');
      throw error;
    }
    await this.#walSync.sync();
    return adopted.length;
  }

  async close(): Promise<void> {
    await this.#checkpointer.close();
    this.#db.close();
    await this.#walSync.close();
  }

  #headOf(key: string): Head | null {
    const row = this.#head.get(key) as { etag: string; external: number } | undefined;
    return row ? { etag: row.etag, external: row.external === 1 } : null;
  }

  async #etagOf(key: string, head: Head | null): Promise<string | null> {
    if (!head) return null;
    if (!head.external) return head.etag;
    const file = await this.#files.get(key);
    return file === null || file === 'not-modified' ? null : file.etag;
  }

  /** One transaction for a group's writes, in the order they came, then one sync of the log. */
  async #commit(writes: Write[]): Promise<void> {
    let logged = 0;
    this.#db.exec('begin');
    try {
      for (const write of writes) logged += this.#apply(write);
      this.#db.exec('commit');
    } catch (error) {
      this.#db.exec('rollback');
      throw error;
    }
    await this.#walSync.sync();
    await this.#checkpoint(logged);
  }

  /** Every write is one of #commit's, and the next waits for this: what the checkpointer asks. */
  async #checkpoint(logged: number): Promise<void> {
    this.#sinceSlice += logged;
    if (this.#sinceSlice < CHECKPOINT_SLICE_BYTES) return;
    this.#sinceSlice = 0;
    await this.#checkpointer.slice();
  }

  /** Applies one write; returns roughly how many bytes it added to the log. */
  #apply(write: Write): number {
    switch (write.kind) {
      case 'expire':
        write.removed = this.#expire.all(write.start, write.end, write.before, EXPIRE_BATCH) as {
          key: string;
          external: number;
        }[];
        return WRITE_OVERHEAD_BYTES * write.removed.length;
      case 'delete':
        this.#delete.run(write.key);
        return WRITE_OVERHEAD_BYTES;
      case 'put': {
        const { key, body, etag, writtenAt } = write;
        if (body === null) this.#upsert.run(key, null, etag, writtenAt);
        else if (this.#upsertOverRow.run(key, body, etag, writtenAt).changes === 0) {
          this.#upsert.run(key, body, etag, writtenAt);
          write.replacedFile = true;
        }
        return WRITE_OVERHEAD_BYTES + (body?.byteLength ?? 0);
      }
    }
  }
}

/**
 * The range of the keys that start with `prefix` (ending in '/'): at or after it, and before the
 * prefix with its '/' raised to the next character, '0'.
 */
function keyRange(prefix: string): [start: string, end: string] {
  if (!prefix.endsWith('/')) throw new RangeError(`a prefix ends in '/', not ${JSON.stringify(prefix)}`);
  return [prefix, `${prefix.slice(0, -1)}0`];
}
