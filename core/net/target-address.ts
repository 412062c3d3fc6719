import { isIP } from 'node:net';

// Webhooks and HTTP/SMTP endpoints make Postern connect to hosts its users choose. In the cloud
// (POSTERN_ALLOW_PRIVATE_TARGETS=false) that must not reach the VPC, the instance metadata
// service or the machine itself, so every address outside the public unicast space is refused.
// The management API judges literals and localhost names when a target is saved; the senders
// judge each resolved address again at connection time (a name may resolve anywhere).

interface Range {
  bytes: readonly number[];
  prefix: number;
  kind: string;
}

function range(cidr: string, kind: string): Range {
  const [address = '', prefix = ''] = cidr.split('/');
  return { bytes: bytesOf(address), prefix: Number(prefix), kind };
}

const IPV4_RANGES: readonly Range[] = [
  range('0.0.0.0/8', 'unspecified'), // "this network", RFC 1122
  range('10.0.0.0/8', 'private'), // RFC 1918
  range('100.64.0.0/10', 'shared (CGNAT)'), // RFC 6598
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'), // RFC 3927, includes the metadata service
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'reserved'), // IETF protocol assignments, RFC 6890
  range('192.0.2.0/24', 'documentation'), // RFC 5737
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'reserved'), // benchmarking, RFC 2544
  range('198.51.100.0/24', 'documentation'),
  range('203.0.113.0/24', 'documentation'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved'), // RFC 1112, includes broadcast
];

const IPV6_RANGES: readonly Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('::/96', 'IPv4-compatible'), // deprecated by RFC 4291, never routed
  range('64:ff9b:1::/48', 'reserved'), // local-use NAT64, RFC 8215
  range('100::/64', 'reserved'), // discard-only, RFC 6666
  range('2001:db8::/32', 'documentation'), // RFC 3849
  range('3fff::/20', 'documentation'), // RFC 9637
  range('fc00::/7', 'unique-local'), // RFC 4193
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local'), // deprecated by RFC 3879, still routable inside sites
  range('ff00::/8', 'multicast'),
];

/** IPv6 forms that carry an IPv4 address, which decides where a connection really goes. */
const EMBEDDING: readonly { range: Range; offset: number }[] = [
  { range: range('::ffff:0:0/96', 'IPv4-mapped'), offset: 12 }, // RFC 4291
  { range: range('64:ff9b::/96', 'NAT64'), offset: 12 }, // RFC 6052
  { range: range('2002::/16', '6to4'), offset: 2 }, // RFC 3056
];

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

function ipv6Bytes(address: string): number[] {
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two hex groups first.
  const text = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) =>
    [(Number(a) << 8) | Number(b), (Number(c) << 8) | Number(d)].map((n) => n.toString(16)).join(':'),
  );
  const [head = '', tail] = text.split('::');
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':'));
  const before = groupsOf(head);
  const after = tail === undefined ? [] : groupsOf(tail);
  const groups = [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after];
  return groups.flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

/** The bytes of an address isIP accepts (4 for IPv4, 16 for IPv6). */
function bytesOf(address: string): number[] {
  return isIP(address) === 4 ? ipv4Bytes(address) : ipv6Bytes(address);
}

function contains(outer: Range, bytes: readonly number[]): boolean {
  if (outer.bytes.length !== bytes.length) return false;
  for (let bit = 0; bit < outer.prefix; bit += 1) {
    const mask = 0x80 >> (bit % 8);
    const index = Math.floor(bit / 8);
    if (((outer.bytes[index] ?? 0) & mask) !== ((bytes[index] ?? 0) & mask)) return false;
  }
  return true;
}

function kindOfBytes(bytes: readonly number[]): string | null {
  if (bytes.length === 4) return IPV4_RANGES.find((r) => contains(r, bytes))?.kind ?? null;
  for (const { range: outer, offset } of EMBEDDING) {
    if (contains(outer, bytes)) return kindOfBytes(bytes.slice(offset, offset + 4));
  }
  return IPV6_RANGES.find((r) => contains(r, bytes))?.kind ?? null;
}

/**
 * Which non-public range `ip` falls in ('loopback', 'private', 'link-local'…), or null for a
 * public unicast address. IPv4 addresses carried in IPv6 (mapped, NAT64, 6to4) are judged by
 * the IPv4 address. Text that is not an IP literal is 'not an IP address': callers fail closed.
 */
export function privateRangeOf(ip: string): string | null {
  const address = ip.replace(/^\[(.*)\]$/, '$1');
  // A zone index (fe80::1%eth0) only makes sense on a local link.
  if (address.includes('%')) return isIP(address) === 6 ? 'link-local' : 'not an IP address';
  if (isIP(address) === 0) return 'not an IP address';
  return kindOfBytes(bytesOf(address));
}

/** Whether Postern must not connect to `ip` when private targets are not allowed. */
export function isPrivateAddress(ip: string): boolean {
  return privateRangeOf(ip) !== null;
}

export type TargetCheck = { allowed: true } | { allowed: false; reason: string };

/**
 * Whether Postern may connect to `host`: an IP literal (IPv6 with or without brackets) or a
 * name. Of names only `localhost` and `*.localhost` can be judged without DNS (RFC 6761 makes
 * them loopback); other names are allowed here and must be checked again once resolved.
 */
export function checkTarget(host: string, options: { allowPrivate: boolean }): TargetCheck {
  if (options.allowPrivate) return { allowed: true };
  const name = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) {
    return { allowed: false, reason: `${name} is not a public address (loopback name)` };
  }
  const literal = name.includes('%') || isIP(name) !== 0;
  const kind = literal ? privateRangeOf(name) : null;
  if (kind === null) return { allowed: true };
  return { allowed: false, reason: `${name} is not a public address (${kind})` };
}
