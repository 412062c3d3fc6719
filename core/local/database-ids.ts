import { randomUUID } from 'node:crypto';
import { pooledRandomBytes } from '../random-pool.ts';
import { z } from 'zod';
import type { Db } from '../db/database.ts';
import { durably } from '../db/durability.ts';
import type { SqlDialect } from '../db/sql-dialect.ts';
import type { Ids } from '../ports.ts';

export interface DatabaseIdsOptions {
  db: Db;
  dialect: SqlDialect;
  /** Ids leased per database round trip. */
  blockSize?: number;
}

const defaults = { blockSize: 1000 };

const BlockSize = z.number().int().positive().max(1_000_000);

const UPPER_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOWER_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** The row of id_blocks that message ids are leased from. */
const SEQUENCE = 'messages';

interface Block {
  start: number;
  next: number;
  end: number;
}

/**
 * Uuids and tokens from the CSPRNG, and message ids leased from the database in blocks (hi/lo):
 * the database is touched once per block, and the next block is leased in the background once
 * half of the current one is handed out, so callers rarely wait on it.
 */
export class DatabaseIds implements Ids {
  readonly #db: Db;
  readonly #dialect: SqlDialect;
  readonly #blockSize: number;
  /** The block ids are handed out from, then at most one block leased ahead. */
  readonly #blocks: Block[] = [];
  #lease: Promise<void> | null = null;

  constructor(options: DatabaseIdsOptions) {
    const { db, dialect, blockSize } = { ...defaults, ...options };
    this.#db = db;
    this.#dialect = dialect;
    this.#blockSize = BlockSize.parse(blockSize);
  }

  uuid(): string {
    return randomUUID();
  }

  token(length: number, options: { lower?: boolean } = {}): string {
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`invalid token length ${length}`);
    const alphabet = options.lower ? LOWER_ALPHABET : UPPER_ALPHABET;
    // Bytes at or above the largest multiple of the alphabet's size are dropped: keeping them
    // would make the first characters of the alphabet more likely (modulo bias).
    const limit = 256 - (256 % alphabet.length);
    let token = '';
    while (token.length < length) {
      for (const byte of pooledRandomBytes(Math.ceil((length - token.length) * 1.3) + 4)) {
        if (byte >= limit) continue;
        token += alphabet[byte % alphabet.length];
        if (token.length === length) break;
      }
    }
    return token;
  }

  async messageId(): Promise<number> {
    for (;;) {
      const block = this.#blocks[0];
      if (block && block.next < block.end) {
        const id = block.next++;
        if (block.next === block.end) this.#blocks.shift();
        this.#leaseAheadIfHalfUsed();
        return id;
      }
      if (block) this.#blocks.shift();
      else await this.#leaseOnce();
    }
  }

  #leaseAheadIfHalfUsed(): void {
    const current = this.#blocks[0];
    if (this.#lease || this.#blocks.length > 1) return;
    if (current && current.next - current.start < this.#blockSize / 2) return;
    // A failure here is not lost: the caller that finds no block left leases again and sees it.
    this.#leaseOnce().catch(() => {});
  }

  /** One lease in flight at a time; concurrent callers share it. */
  #leaseOnce(): Promise<void> {
    this.#lease ??= this.#leaseBlock()
      .then((start) => {
        this.#blocks.push({ start, next: start, end: start + this.#blockSize });
      })
      .finally(() => {
        this.#lease = null;
      });
    return this.#lease;
  }

  /**
   * Durable before any of its ids is handed out: ids go into blobs that outlive the database's
   * unsynced commits (the accept step's pointers), and a lease lost in a crash of the machine
   * would hand the same ids out again.
   */
  async #leaseBlock(): Promise<number> {
    const size = this.#blockSize;
    return durably(this.#db, this.#dialect, (db) =>
      db.transaction().execute(async (trx) => {
        const bump = () =>
          trx
            .updateTable('id_blocks')
            .set((eb) => ({ next_value: eb('next_value', '+', size) }))
            .where('name', '=', SEQUENCE)
            .executeTakeFirstOrThrow();
        const read = async () => {
          const query = trx.selectFrom('id_blocks').select('next_value').where('name', '=', SEQUENCE);
          const row = await (this.#dialect === 'mysql' ? query.forUpdate() : query).executeTakeFirst();
          if (!row) throw new Error(`id_blocks has no row named ${SEQUENCE}; run the migrations`);
          return Number(row.next_value);
        };
        if (this.#dialect === 'mysql') {
          const start = await read();
          await bump();
          return start;
        }
        // SQLite's `begin` is deferred: a transaction that reads first and then writes fails at
        // once (SQLITE_BUSY) if another process wrote in between, whereas one that writes first
        // waits for the lock under the busy timeout.
        await bump();
        return (await read()) - size;
      }),
    );
  }
}
