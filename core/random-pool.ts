import { randomBytes, randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * Cryptographically random bytes, as `randomBytes`, drawn from a buffer refilled 4 KB at a time:
 * the hot paths take a few dozen bytes per message (tokens, receipt handles), and a call into
 * OpenSSL for each cost more than the rest of their work (as Node's own randomUUID batches).
 */
export function pooledRandomBytes(size: number): Buffer {
  if (size > POOL_BYTES) return randomBytes(size);
  if (offset + size > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  // A copy: no caller may see bytes another will be given.
  const bytes = Buffer.from(pool.subarray(offset, offset + size));
  offset += size;
  return bytes;
}
