import { isDeepStrictEqual } from 'node:util';
import type { LogFields, Logger } from '../../core/ports.ts';
import { redact } from '../../core/logging/redact.ts';

export type LogLevel = Exclude<keyof Logger, 'child'>;

export interface LogEntry {
  level: LogLevel;
  message: string;
  /** Tags and fields merged, redacted as a real logger would write them. */
  fields: LogFields;
}

/** Keeps every entry, its children's included, so tests can assert on what was logged. */
export class MemoryLogger implements Logger {
  readonly entries: LogEntry[];
  readonly #tags: LogFields;

  constructor(tags: LogFields = {}, entries: LogEntry[] = []) {
    this.#tags = { ...tags };
    this.entries = entries;
  }

  debug(message: string, fields?: LogFields): void {
    this.#add('debug', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.#add('info', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.#add('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.#add('error', message, fields);
  }

  child(tags: LogFields): MemoryLogger {
    return new MemoryLogger({ ...this.#tags, ...tags }, this.entries);
  }

  /**
   * Whether an entry has this level and message (equal, or matching a RegExp) and, when `fields`
   * is given, each of those fields deep-equal to the logged (redacted) value.
   */
  has(level: LogLevel, message: string | RegExp, fields?: LogFields): boolean {
    return this.entries.some(
      (entry) =>
        entry.level === level &&
        (typeof message === 'string' ? entry.message === message : message.test(entry.message)) &&
        Object.entries(fields ?? {}).every(
          ([name, value]) =>
            Object.hasOwn(entry.fields, name) && isDeepStrictEqual(entry.fields[name], value),
        ),
    );
  }

  #add(level: LogLevel, message: string, fields: LogFields = {}): void {
    this.entries.push({ level, message, fields: redact({ ...this.#tags, ...fields }) });
  }
}
