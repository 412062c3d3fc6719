import type { LineSink } from './json-logger.ts';

/** Pending text past which lines go out at once rather than at the end of the turn. */
const FLUSH_AFTER_BYTES = 64 * 1024;

/**
 * Hands a sink the lines of one turn of the event loop in a single write. process.stdout writes
 * a file or a pipe synchronously, one system call per line, and a busy process logs a few lines
 * for each message: on a virtual machine those calls cost more than building the lines. The
 * owner calls `flush()` when the process exits, so nothing logged before is lost then; a process
 * killed outright loses at most the lines of its last turn.
 */
export class BatchedLineSink implements LineSink {
  readonly #target: LineSink;
  #pending: string[] = [];
  #bytes = 0;
  #scheduled = false;

  constructor(target: LineSink) {
    this.#target = target;
  }

  write(line: string): void {
    this.#pending.push(line);
    this.#bytes += line.length;
    if (this.#bytes >= FLUSH_AFTER_BYTES) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      // Unreferenced: pending lines never keep a process alive that has nothing else to do; its
      // exit flushes them.
      setImmediate(() => this.flush()).unref();
    }
  }

  /** Writes what is pending now, in the order it came. */
  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const text = this.#pending.join('');
    this.#pending = [];
    this.#bytes = 0;
    this.#target.write(text);
  }
}
