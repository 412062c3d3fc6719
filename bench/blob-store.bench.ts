// The local blob stores' cost per call, on the same disk in the same run: SqliteBlobStore (rows,
// group-committed, the store the platform uses), FileBlobStore (a file per blob, its small-file
// I/O synchronous and only fsyncs on the thread pool, which large bodies still use) and the same
// file steps made entirely with node:fs/promises, as the file store did before.
// Run: node bench/blob-store.bench.ts
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileBlobStore } from '../core/local/file-blob-store.ts';
import { GroupCommit } from '../core/local/group-commit.ts';
import { SqliteBlobStore } from '../core/local/sqlite-blob-store.ts';

const OPERATIONS = 3000;
const CONCURRENCY = 32;
const ROUNDS = 5;
const BODY = Buffer.alloc(5 * 1024, 'x');

/**
 * The replaced approach, as the store was: every step an fs.promises call (temp file, fsync,
 * rename), the folder made when the first open finds it missing, directory fsyncs grouped.
 */
class PromisesBlobStore {
  readonly #root: string;
  readonly #directorySyncs = new Map<string, GroupCommit<null>>();
  #temp = 0;
  constructor(root: string) {
    this.#root = root;
  }
  async put(key: string, body: Uint8Array): Promise<void> {
    const path = join(this.#root, key);
    const temp = join(dirname(path), `.${(this.#temp += 1)}.tmp`);
    const handle = await open(temp, 'wx', 0o644).catch(async () => {
      await mkdir(dirname(path), { recursive: true });
      return open(temp, 'wx', 0o644);
    });
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    await this.#syncDirectory(dirname(path));
  }
  async get(key: string): Promise<Buffer> {
    const content = await readFile(join(this.#root, key));
    createHash('md5').update(content).digest('hex');
    return content;
  }
  #syncDirectory(path: string): Promise<void> {
    let group = this.#directorySyncs.get(path);
    if (!group) {
      group = new GroupCommit(async () => {
        const directory = await open(path, 'r');
        try {
          await directory.sync();
        } finally {
          await directory.close();
        }
      });
      this.#directorySyncs.set(path, group);
    }
    return group.submit(null);
  }
}

interface Figures {
  perSecond: number;
  eventLoopMicros: number;
  cpuMicros: number;
}

/** `OPERATIONS` calls, `CONCURRENCY` at a time: calls per second, event-loop and process CPU time per call. */
async function measure(call: (n: number) => Promise<unknown>): Promise<Figures> {
  const loop = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < OPERATIONS) await call((next += 1));
    }),
  );
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return {
    perSecond: Math.round((OPERATIONS / elapsed) * 1000),
    eventLoopMicros: Math.round((performance.eventLoopUtilization(loop).active * 1000) / OPERATIONS),
    cpuMicros: Math.round((used.user + used.system) / OPERATIONS),
  };
}

const root = mkdtempSync(join(tmpdir(), 'postern-bench-blobs-'));
try {
  const { store: sqlite } = await SqliteBlobStore.open({
    path: join(root, 'blobs.db'),
    files: new FileBlobStore(join(root, 'large')),
  });
  const stores = {
    SqliteBlobStore: sqlite,
    FileBlobStore: new FileBlobStore(join(root, 'files')),
    'fs/promises': new PromisesBlobStore(join(root, 'reference')),
  };
  const rows = [];
  // The stores take turns, round after round, and each row gives the median round: the disk's
  // state (write-back under way, the journal) moves between rounds more than between the stores.
  for (const operation of ['put', 'get'] as const) {
    const rounds = new Map<string, Figures[]>(Object.keys(stores).map((name) => [name, []]));
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [name, store] of Object.entries(stores)) {
        rounds
          .get(name)!
          .push(
            await measure((n) =>
              operation === 'put'
                ? store.put(`raw/${round}/${n}.eml`, BODY)
                : store.get(`raw/${round}/${n}.eml`),
            ),
          );
      }
    }
    for (const [name, figures] of rounds) {
      const median = (pick: (f: Figures) => number) => figures.map(pick).sort((a, b) => a - b)[ROUNDS >> 1]!;
      rows.push({
        operation: `${operation} 5 KB${operation === 'put' ? ' (durable)' : ''}`,
        store: name,
        'calls/s': median((f) => f.perSecond),
        'event loop µs/call': median((f) => f.eventLoopMicros),
        'process CPU µs/call': median((f) => f.cpuMicros),
      });
    }
  }
  await sqlite.close();
  console.log(
    `Local blob stores: ${OPERATIONS} calls ${CONCURRENCY} at a time, median of ${ROUNDS} rounds, in ${root}`,
  );
  console.table(rows);
} finally {
  rmSync(root, { recursive: true, force: true });
}
