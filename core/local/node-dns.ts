import { Resolver } from 'node:dns/promises';
import { z } from 'zod';
import type { Dns, MxRecord } from '../ports.ts';

export interface NodeDnsOptions {
  /** Resolvers as 'ip' or 'ip:port' ('[ipv6]:port'); the system's when absent. */
  servers?: readonly string[];
  /** Time to wait for one answer before trying again. */
  timeoutMs?: number;
  /** Attempts per server before a lookup fails. */
  tries?: number;
}

const defaults = { timeoutMs: 5000, tries: 2 };

const Options = z
  .object({
    servers: z.array(z.string().min(1)).min(1).optional(),
    timeoutMs: z.number().int().positive(),
    tries: z.number().int().positive(),
  })
  .strict();

// "No such name" and "no such record": answers, not failures (RFC 2308 NXDOMAIN and NODATA).
const EMPTY_ANSWER_CODES = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME']);

/** The Dns port over Node's c-ares resolver. Timeouts and server failures reject. */
export class NodeDns implements Dns {
  readonly #resolver: Resolver;

  constructor(options: NodeDnsOptions = {}) {
    const { servers, timeoutMs, tries } = Options.parse({ ...defaults, ...options });
    this.#resolver = new Resolver({ timeout: timeoutMs, tries });
    if (servers) this.#resolver.setServers(servers);
  }

  async mx(name: string): Promise<MxRecord[]> {
    // Only the port's members: Node 24 adds a `type` that callers comparing records would trip on.
    const records = await orEmpty(this.#resolver.resolveMx(name));
    return records.map(({ exchange, priority }) => ({ exchange, priority }));
  }

  txt(name: string): Promise<string[][]> {
    return orEmpty(this.#resolver.resolveTxt(name));
  }

  a(name: string): Promise<string[]> {
    return orEmpty(this.#resolver.resolve4(name));
  }

  aaaa(name: string): Promise<string[]> {
    return orEmpty(this.#resolver.resolve6(name));
  }

  cname(name: string): Promise<string[]> {
    return orEmpty(this.#resolver.resolveCname(name));
  }
}

async function orEmpty<T>(lookup: Promise<T[]>): Promise<T[]> {
  try {
    return await lookup;
  } catch (error) {
    if (EMPTY_ANSWER_CODES.has((error as NodeJS.ErrnoException).code ?? '')) return [];
    throw error;
  }
}
