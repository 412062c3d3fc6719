import type { Clock, LogFields, Logger } from '../ports.ts';
import { redact } from '../logging/redact.ts';
import { systemClock } from './system-clock.ts';

export type LogLevel = Exclude<keyof Logger, 'child'>;

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The one member of a Writable the logger calls, so a test can pass a plain object. */
export interface LineSink {
  write(line: string): unknown;
}

export interface JsonLoggerOptions {
  /** Where lines go; process.stdout by default. */
  stream?: LineSink;
  /** Entries below this level are dropped; 'info' by default. */
  level?: LogLevel;
  tags?: LogFields;
  clock?: Clock;
}

/**
 * One JSON object per line: `{time, level, msg, ...tags, ...fields}`, with tags and fields
 * redacted. The entry's own keys win over a tag or field of the same name.
 */
export class JsonLogger implements Logger {
  readonly #stream: LineSink;
  readonly #minimum: number;
  readonly #level: LogLevel;
  readonly #tags: LogFields;
  readonly #clock: Clock;

  constructor(options: JsonLoggerOptions = {}) {
    this.#stream = options.stream ?? process.stdout;
    this.#level = options.level ?? 'info';
    if (!Object.hasOwn(RANK, this.#level))
      throw new RangeError(`unknown log level ${JSON.stringify(this.#level)}`);
    this.#minimum = RANK[this.#level];
    this.#tags = Object.freeze({ ...options.tags });
    this.#clock = options.clock ?? systemClock;
  }

  debug(message: string, fields?: LogFields): void {
    this.#write('debug', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.#write('info', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.#write('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.#write('error', message, fields);
  }

  child(tags: LogFields): Logger {
    return new JsonLogger({
      stream: this.#stream,
      level: this.#level,
      tags: { ...this.#tags, ...tags },
      clock: this.#clock,
    });
  }

  #write(level: LogLevel, msg: string, fields: LogFields = {}): void {
    if (RANK[level] < this.#minimum) return;
    const time = new Date(this.#clock.now()).toISOString();
    const entry = { time, level, msg, ...redact({ ...this.#tags, ...fields }) };
    Object.assign(entry, { time, level, msg });
    this.#stream.write(`${JSON.stringify(entry)}\n`);
  }
}
