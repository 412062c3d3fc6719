import type { Dns, MxRecord } from '../../core/ports.ts';

export interface ZoneRecords {
  MX?: readonly MxRecord[];
  /** Each record is its list of character strings, as Node's resolveTxt returns them. */
  TXT?: readonly (readonly string[])[];
  A?: readonly string[];
  AAAA?: readonly string[];
  CNAME?: readonly string[];
}

/** Names (any case, with or without a trailing dot) to their records. */
export type DnsZone = Readonly<Record<string, ZoneRecords>>;

export type RecordType = keyof ZoneRecords;

export interface ZoneAnswer<T extends RecordType = RecordType> {
  /** NXDOMAIN: neither the name nor any name below it is in the zone. */
  nxdomain: boolean;
  /** The aliases followed on the way, each `[owner, target]`. */
  cnames: [string, string][];
  /** The name the records belong to (the last alias's target, or the name asked). */
  owner: string;
  records: NonNullable<ZoneRecords[T]>;
}

const stripDot = (name: string): string => name.replace(/\.+$/, '');

export const normalizeName = (name: string): string => stripDot(name).toLowerCase();

/** The compressed form Node's resolver gives ('2001:db8::1' for '2001:0db8:0:0::1'). */
const canonicalIpv6 = (address: string): string => new URL(`http://[${address}]/`).hostname.slice(1, -1);

const MAX_ALIASES = 8;

/**
 * Looks `name` up as a resolver would: aliases are followed for every type but CNAME itself, a
 * name with records of other types only answers no data, and so does an empty non-terminal (a
 * name with records only below it, such as `_domainkey.example.com`).
 */
export function lookupZone<T extends RecordType>(zone: DnsZone, type: T, name: string): ZoneAnswer<T> {
  const entries = new Map(Object.entries(zone).map(([owner, records]) => [normalizeName(owner), records]));
  const cnames: [string, string][] = [];
  let owner = normalizeName(name);
  for (;;) {
    const records = entries.get(owner);
    const alias = records?.CNAME?.[0];
    if (type !== 'CNAME' && alias !== undefined && !records?.[type]?.length && cnames.length < MAX_ALIASES) {
      cnames.push([owner, normalizeName(alias)]);
      owner = normalizeName(alias);
      continue;
    }
    const exists = records !== undefined || [...entries.keys()].some((known) => known.endsWith(`.${owner}`));
    const found = (records?.[type] ?? []) as NonNullable<ZoneRecords[T]>;
    return { nxdomain: !exists, cnames, owner, records: found };
  }
}

/** The Dns port over a plain zone object; records every lookup in `calls`. */
export class ZoneDns implements Dns {
  readonly calls: { type: RecordType; name: string }[] = [];
  readonly #zone: DnsZone;

  constructor(zone: DnsZone) {
    this.#zone = zone;
  }

  async mx(name: string): Promise<MxRecord[]> {
    return this.#lookup('MX', name).map((record) => ({ ...record, exchange: stripDot(record.exchange) }));
  }

  /** Texts over 255 bytes come back split, as a resolver returns them (RFC 1035 §3.3). */
  async txt(name: string): Promise<string[][]> {
    return this.#lookup('TXT', name).map((record) => record.flatMap(splitCharacterStrings));
  }

  async a(name: string): Promise<string[]> {
    return [...this.#lookup('A', name)];
  }

  async aaaa(name: string): Promise<string[]> {
    return this.#lookup('AAAA', name).map(canonicalIpv6);
  }

  async cname(name: string): Promise<string[]> {
    return this.#lookup('CNAME', name).map(stripDot);
  }

  #lookup<T extends RecordType>(type: T, name: string): NonNullable<ZoneRecords[T]> {
    this.calls.push({ type, name });
    return lookupZone(this.#zone, type, name).records;
  }
}

function splitCharacterStrings(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= 255) return [text];
  const parts: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 255) {
    parts.push(bytes.subarray(offset, offset + 255).toString('utf8'));
  }
  return parts;
}
