import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import type { Dns, MxRecord } from '../ports.ts';

// Where mail for a domain goes (RFC 5321 §5.1, as Postal does it, reference §6): the MX hosts by
// preference with equal preferences in random order, the domain itself when it has no MX
// (implicit MX), nothing at all for a null MX (RFC 7505). Each host's addresses come AAAA first,
// then A; when one family's lookup fails or is empty the other still serves. Outcomes are values:
// a domain that does not exist is a permanent failure, a lookup that times out a temporary one.

export interface MailHost {
  /** The MX exchange (or the domain itself for an implicit MX), lower case, without a trailing dot. */
  name: string;
  preference: number;
  /** IPv6 addresses first, then IPv4, in the order DNS gave them. */
  addresses: string[];
  /** Lookups of this host that failed (timeouts, server failures), for the delivery's output. */
  lookupErrors: string[];
}

export type Destinations =
  | { status: 'ok'; domain: string; implicit: boolean; hosts: MailHost[] }
  | { status: 'hard_fail'; domain: string; reason: string }
  | { status: 'soft_fail'; domain: string; reason: string };

export type AddressFamilies = 'both' | 'ipv4' | 'ipv6';

export interface ResolveOptions {
  /** Random numbers in [0, 1) for the equal-preference shuffle; Math.random by default. */
  random?: () => number;
  /** Which address families can be used (an IPv4 source address cannot reach IPv6 hosts). */
  families?: AddressFamilies;
}

export async function resolveDestinations(
  dns: Dns,
  domain: string,
  options: ResolveOptions = {},
): Promise<Destinations> {
  const families = options.families ?? 'both';
  const literal = addressLiteral(domain);
  if (literal !== undefined) {
    if (literal === null || !familyAllowed(literal, families)) {
      return {
        status: 'hard_fail',
        domain,
        reason: `${domain} is not an address this server can deliver to`,
      };
    }
    return { status: 'ok', domain, implicit: true, hosts: [host(domain, 0, [literal])] };
  }
  const name = asciiDomain(domain);
  if (name === null) return { status: 'hard_fail', domain, reason: `${domain} is not a valid domain name` };

  let records: MxRecord[];
  try {
    records = await dns.mx(name);
  } catch (error) {
    return { status: 'soft_fail', domain: name, reason: `MX lookup for ${name} failed: ${describe(error)}` };
  }

  // RFC 7505 §3: a single MX with the root as exchange says the domain accepts no mail.
  const real = records.filter((record) => !isNullExchange(record.exchange));
  if (records.length > 0 && real.length === 0) {
    return { status: 'hard_fail', domain: name, reason: `${name} does not accept mail (null MX, RFC 7505)` };
  }

  if (real.length === 0) {
    // RFC 5321 §5.1: no MX, so the domain itself is the one host, if it has an address.
    const implicit = await resolveHost(dns, name, 0, families);
    if (implicit.addresses.length === 0) {
      if (implicit.lookupErrors.length > 0) {
        return {
          status: 'soft_fail',
          domain: name,
          reason: `Address lookup for ${name} failed: ${implicit.lookupErrors.join('; ')}`,
        };
      }
      return {
        status: 'hard_fail',
        domain: name,
        reason: `${name} has no MX, A or AAAA record (the domain does not exist or accepts no mail)`,
      };
    }
    return { status: 'ok', domain: name, implicit: true, hosts: [implicit] };
  }

  const ordered = orderByPreference(real, options.random ?? Math.random);
  const hosts = await Promise.all(
    ordered.map((record) => resolveHost(dns, record.exchange, record.priority, families)),
  );
  return { status: 'ok', domain: name, implicit: false, hosts };
}

/**
 * Lowest preference first (RFC 5321 §5.1); hosts of equal preference shuffled (Fisher-Yates
 * within each group) so load spreads as the domain intends. Exchanges are normalised and listed
 * once, at their best preference.
 */
export function orderByPreference(records: readonly MxRecord[], random: () => number): MxRecord[] {
  const best = new Map<string, number>();
  for (const record of records) {
    const exchange = normaliseName(record.exchange);
    const known = best.get(exchange);
    if (known === undefined || record.priority < known) best.set(exchange, record.priority);
  }
  const groups = new Map<number, string[]>();
  for (const [exchange, priority] of best) groups.set(priority, [...(groups.get(priority) ?? []), exchange]);
  const ordered: MxRecord[] = [];
  for (const priority of [...groups.keys()].sort((left, right) => left - right)) {
    const group = groups.get(priority) ?? [];
    for (let index = group.length - 1; index > 0; index -= 1) {
      const swap = Math.min(index, Math.floor(random() * (index + 1)));
      [group[index], group[swap]] = [group[swap] as string, group[index] as string];
    }
    ordered.push(...group.map((exchange) => ({ exchange, priority })));
  }
  return ordered;
}

async function resolveHost(
  dns: Dns,
  name: string,
  preference: number,
  families: AddressFamilies,
): Promise<MailHost> {
  // An MX naming an address is against RFC 5321 §5.1 (it must be a name), but common enough.
  if (isIP(name) !== 0) return host(name, preference, familyAllowed(name, families) ? [name] : []);
  const [v6, v4] = await Promise.allSettled([
    families === 'ipv4' ? Promise.resolve([]) : dns.aaaa(name),
    families === 'ipv6' ? Promise.resolve([]) : dns.a(name),
  ]);
  const lookupErrors: string[] = [];
  const addresses: string[] = [];
  for (const [type, settled] of [
    ['AAAA', v6],
    ['A', v4],
  ] as const) {
    if (settled.status === 'fulfilled') addresses.push(...settled.value);
    else lookupErrors.push(`${type} lookup for ${name} failed: ${describe(settled.reason)}`);
  }
  return { ...host(name, preference, [...new Set(addresses)]), lookupErrors };
}

function host(name: string, preference: number, addresses: string[]): MailHost {
  return { name, preference, addresses, lookupErrors: [] };
}

function isNullExchange(exchange: string): boolean {
  return exchange === '' || exchange === '.';
}

function normaliseName(name: string): string {
  return name.replace(/\.+$/, '').toLowerCase();
}

/** The domain in ASCII (IDNA, RFC 5890), or null when it is not a usable name. */
function asciiDomain(domain: string): string | null {
  const ascii = domainToASCII(normaliseName(domain.trim()));
  if (ascii === '' || ascii.length > 253 || !/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(ascii)) return null;
  return ascii;
}

/**
 * An address literal (RFC 5321 §4.1.3): `[192.0.2.1]` or `[IPv6:2001:db8::1]` gives the address,
 * a bracketed text that is not one gives null, and a plain domain undefined.
 */
function addressLiteral(domain: string): string | null | undefined {
  const match = /^\[(.*)\]$/.exec(domain.trim());
  if (!match) return undefined;
  const inside = match[1] ?? '';
  const v6 = /^ipv6:(.*)$/i.exec(inside);
  if (v6) return isIP(v6[1] ?? '') === 6 ? (v6[1] ?? null) : null;
  return isIP(inside) === 4 ? inside : null;
}

function familyAllowed(address: string, families: AddressFamilies): boolean {
  if (families === 'both') return true;
  return isIP(address) === (families === 'ipv4' ? 4 : 6);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${error.message} (${code})`
      : error.message;
  }
  return String(error);
}
