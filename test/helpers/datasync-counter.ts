import { open, type FileHandle } from 'node:fs/promises';

// The syncs themselves stay real; the counter only notes them, by wrapping FileHandle#datasync,
// which is how a SQLite WAL is synced (core/db/dialects/wal-sync.ts). FileHandle's prototype is
// not exported: it is reached through a handle.
const probe = await open(import.meta.filename, 'r');
const fileHandle = Object.getPrototypeOf(probe) as FileHandle;
await probe.close();
const realDatasync = fileHandle.datasync;

/** Counts every FileHandle#datasync from `start()` until `stop()`. */
export class DatasyncCounter {
  /** The descriptor of each sync, in order. */
  syncs: number[] = [];

  start(): void {
    const syncs = this.syncs;
    Object.defineProperty(fileHandle, 'datasync', {
      configurable: true,
      writable: true,
      value: function datasync(this: FileHandle) {
        syncs.push(this.fd);
        return realDatasync.call(this);
      },
    });
  }

  stop(): void {
    Object.defineProperty(fileHandle, 'datasync', {
      configurable: true,
      writable: true,
      value: realDatasync,
    });
  }

  reset(): void {
    this.syncs.length = 0;
  }
}
