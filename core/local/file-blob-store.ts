import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { BlobObject, BlobPutOptions, BlobStore } from '../ports.ts';
import { GroupCommit } from './group-commit.ts';
import { pooledRandomBytes } from './random-pool.ts';

// Directories whose fsyncs are being grouped; past this many (a new day's folder each day), the
// idle ones are forgotten.
const MAX_GROUPED_DIRECTORIES = 256;

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
  /** The tail of each key's chain of writes. */
  readonly #locks = new Map<string, Promise<void>>();
  readonly #directorySyncs = new Map<string, GroupCommit<null>>();

  constructor(root: string) {
    this.#root = resolve(root);
  }

  async put(
    key: string,
    body: Uint8Array | string,
    options: BlobPutOptions = {},
  ): Promise<{ etag: string } | null> {
    const path = this.#pathOf(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return this.#exclusive(key, async () => {
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
    await this.#exclusive(key, async () => {
      try {
        await unlink(path);
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
    let handle: FileHandle;
    try {
      handle = await open(temp, 'wx', 0o644);
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw error;
      created = await mkdir(directory, { recursive: true });
      handle = await open(temp, 'wx', 0o644);
    }
    try {
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => {});
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
    const segments = key.split('/');
    const valid =
      key.length > 0 &&
      !key.includes('\0') &&
      segments.every((segment) => segment !== '' && segment !== '.' && segment !== '..');
    if (!valid) throw new RangeError(`invalid blob key ${JSON.stringify(key)}`);
    const path = join(this.#root, ...segments);
    if (!path.startsWith(this.#root + sep)) throw new RangeError(`invalid blob key ${JSON.stringify(key)}`);
    return path;
  }

  async #exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(key);
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous ? previous.then(() => done) : done;
    this.#locks.set(key, tail);
    try {
      await previous;
      return await work();
    } finally {
      release();
      if (this.#locks.get(key) === tail) this.#locks.delete(key);
    }
  }
}

/** Hex MD5 of the content, as S3 gives for a single-part upload (without S3's quotes). */
function etagOf(content: Uint8Array): string {
  return createHash('md5').update(content).digest('hex');
}

async function readOrNull(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (error) {
    // EISDIR: the key names a "folder" of other keys, which is no object of its own.
    if (isCode(error, 'ENOENT') || isCode(error, 'EISDIR') || isCode(error, 'ENOTDIR')) return null;
    throw error;
  }
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
