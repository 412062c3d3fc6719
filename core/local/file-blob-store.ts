import {
  closeSync,
  fstatSync,
  fsync,
  mkdir,
  open,
  openSync,
  readFile,
  readFileSync,
  rename,
  unlink,
  write,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import type { BlobObject, BlobPutOptions, BlobStore } from '../ports.ts';
import { blobKeySegments, etagOf } from './blob-key.ts';
import { GroupCommit } from './group-commit.ts';
import { KeyedLock } from './keyed-lock.ts';
import { pooledRandomBytes } from '../random-pool.ts';

// Directories whose fsyncs are being grouped; past this many (a new day's folder each day), the
// idle ones are forgotten.
const MAX_GROUPED_DIRECTORIES = 256;

// An asynchronous call costs the process more CPU in hand-offs between threads than the call
// itself does on a file of a few KB in the page cache: a get made of synchronous calls takes a
// fifth of the CPU of one made with fs/promises (bench/blob-store.bench.ts). So the calls
// that only copy bytes or drop a descriptor are synchronous for files up to this size: open for
// reading, fstat, read, write, close. Those that may wait for the file system's journal
// (creating, renaming, unlinking, fsync) stay on the thread pool, where such a wait cannot hold
// the event loop; they dominate a durable put, whose cost the change leaves about where it was.
// Larger files are read and written asynchronously throughout.
const SYNC_IO_LIMIT = 256 * 1024;

const openAsync = promisify(open);
const mkdirAsync = promisify(mkdir);
const renameAsync = promisify(rename);
const unlinkAsync = promisify(unlink);
const fsyncAsync = promisify(fsync);
const writeAsync = promisify(write);
const readFileAsync = promisify(readFile);

/**
 * Blobs as files under one directory, the local stand-in for S3. A put is durable when it
 * resolves (temp file, fsync, rename, fsync of the directory), and readers never see half a file.
 * Writes to one key are serialized in-process, which makes conditional puts atomic as long as one
 * process owns the directory, as the local shape does.
 *
 * The fsync of a directory is group-committed: puts and deletes in one directory that finish
 * while its fsync is under way share the next one, which a burst of accepted messages (each one
 * a file in the same day's folder) makes most of.
 */
export class FileBlobStore implements BlobStore {
  readonly #root: string;
  readonly #locks = new KeyedLock();
  readonly #directorySyncs = new Map<string, GroupCommit<null>>();

  constructor(root: string) {
    this.#root = resolve(root);
  }

  /** The folder the blobs are files under. */
  get root(): string {
    return this.#root;
  }

  async put(
    key: string,
    body: Uint8Array | string,
    options: BlobPutOptions = {},
  ): Promise<{ etag: string } | null> {
    const path = this.#pathOf(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return this.#locks.run(key, async () => {
      if (options.ifMatch !== undefined || options.ifNoneMatch !== undefined) {
        const current = await readOrNull(path);
        if (options.ifNoneMatch === '*' && current) return null;
        if (options.ifMatch !== undefined && (!current || etagOf(current) !== options.ifMatch)) return null;
      }
      await this.#writeDurably(path, bytes);
      return { etag: etagOf(bytes) };
    });
  }

  async get(
    key: string,
    options: { ifNoneMatch?: string } = {},
  ): Promise<BlobObject | 'not-modified' | null> {
    const content = await readOrNull(this.#pathOf(key));
    if (!content) return null;
    // Computed on read: cheap next to the read itself, and no sidecar file can drift from the body.
    const etag = etagOf(content);
    if (options.ifNoneMatch === etag) return 'not-modified';
    return { body: new Uint8Array(content.buffer, content.byteOffset, content.byteLength), etag };
  }

  async delete(key: string): Promise<void> {
    const path = this.#pathOf(key);
    await this.#locks.run(key, async () => {
      try {
        await unlinkAsync(path);
      } catch (error) {
        if (isCode(error, 'ENOENT')) return;
        throw error;
      }
      await this.#syncDirectory(dirname(path));
    });
  }

  async #writeDurably(path: string, bytes: Uint8Array): Promise<void> {
    const directory = dirname(path);
    const temp = join(directory, `.${pooledRandomBytes(8).toString('hex')}.tmp`);
    // The folder usually exists: create it only when the first open says it does not.
    let created: string | undefined;
    let fd: number;
    try {
      fd = await openAsync(temp, 'wx', 0o644);
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw error;
      created = await mkdirAsync(directory, { recursive: true });
      fd = await openAsync(temp, 'wx', 0o644);
    }
    try {
      try {
        await writeAll(fd, bytes);
        await fsyncAsync(fd);
      } finally {
        closeSync(fd);
      }
      await renameAsync(temp, path);
    } catch (error) {
      await unlinkAsync(temp).catch(() => {});
      throw error;
    }
    // A new directory is only durable once its own parent's entry is, up to the first that existed.
    const directories = [directory];
    if (created) {
      for (let dir = directory; dir !== dirname(created); dir = dirname(dir)) directories.push(dirname(dir));
    }
    await Promise.all([...new Set(directories)].map((dir) => this.#syncDirectory(dir)));
  }

  #syncDirectory(path: string): Promise<void> {
    let group = this.#directorySyncs.get(path);
    if (!group) {
      // Forgetting a group while it flushes is harmless: its callers still wait for their fsync.
      if (this.#directorySyncs.size >= MAX_GROUPED_DIRECTORIES) this.#directorySyncs.clear();
      group = new GroupCommit(() => syncDirectory(path));
      this.#directorySyncs.set(path, group);
    }
    return group.submit(null);
  }

  #pathOf(key: string): string {
    const path = join(this.#root, ...blobKeySegments(key));
    if (!path.startsWith(this.#root + sep)) throw new RangeError(`invalid blob key ${JSON.stringify(key)}`);
    return path;
  }
}

async function writeAll(fd: number, bytes: Uint8Array): Promise<void> {
  const large = bytes.byteLength > SYNC_IO_LIMIT;
  for (let at = 0; at < bytes.byteLength;) {
    const length = bytes.byteLength - at;
    at += large ? (await writeAsync(fd, bytes, at, length)).bytesWritten : writeSync(fd, bytes, at, length);
  }
}

async function readOrNull(path: string): Promise<Buffer | null> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return null;
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    // A key that names a "folder" of other keys is no object of its own.
    if (stats.isDirectory()) return null;
    return stats.size > SYNC_IO_LIMIT ? await readFileAsync(fd) : readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

async function syncDirectory(path: string): Promise<void> {
  const fd = openSync(path, 'r');
  try {
    await fsyncAsync(fd);
  } finally {
    closeSync(fd);
  }
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
