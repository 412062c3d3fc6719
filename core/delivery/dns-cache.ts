import type { Clock, Dns, MxRecord } from '../ports.ts';

// The delivery worker's DNS: answers kept for a short while, and lookups of a name already on
// their way shared, so a burst of mail to one domain asks its resolver once rather than three
// times a message (MX, AAAA, A). An MTA normally gets this from a caching resolver on its host;
// c-ares in Node keeps nothing. Answers with no records (NXDOMAIN, NODATA) are kept too: most
// hosts have no AAAA, and asking again for it each message was half the lookups. Failures
// (timeouts, SERVFAIL) are never kept, so the next delivery asks again.
//
// The port carries no TTLs, so every answer is kept for the same short time, below the TTL of
// nearly every MX and address record in use; a record changed at its source is followed within
// that time. Only delivery uses this: DNS checks of users' domains always ask afresh. Callers
// share the answers, so they must not change them.

/** How long an answer is kept. */
export const DNS_CACHE_MS = 30_000;

/** Names kept at most; the oldest entry goes first beyond it. */
const MAX_ENTRIES = 10_000;

interface Entry {
  expires: number;
  answer: Promise<unknown>;
}

export class DnsCache implements Dns {
  readonly #dns: Dns;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();

  constructor(dns: Dns, clock: Clock) {
    this.#dns = dns;
    this.#clock = clock;
  }

  mx(name: string): Promise<MxRecord[]> {
    return this.#cached('MX', name, () => this.#dns.mx(name));
  }

  txt(name: string): Promise<string[][]> {
    return this.#cached('TXT', name, () => this.#dns.txt(name));
  }

  a(name: string): Promise<string[]> {
    return this.#cached('A', name, () => this.#dns.a(name));
  }

  aaaa(name: string): Promise<string[]> {
    return this.#cached('AAAA', name, () => this.#dns.aaaa(name));
  }

  cname(name: string): Promise<string[]> {
    return this.#cached('CNAME', name, () => this.#dns.cname(name));
  }

  #cached<T>(type: string, name: string, lookup: () => Promise<T>): Promise<T> {
    const key = `${type} ${name.toLowerCase()}`;
    const now = this.#clock.now();
    const entry = this.#entries.get(key);
    if (entry && entry.expires > now) return entry.answer as Promise<T>;
    if (entry) this.#entries.delete(key);
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    const answer = lookup();
    this.#entries.set(key, { expires: now + DNS_CACHE_MS, answer });
    answer.catch(() => {
      if (this.#entries.get(key)?.answer === answer) this.#entries.delete(key);
    });
    return answer;
  }
}
