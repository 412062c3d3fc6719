import { BlockList, isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import type {
  PolicySnapshot,
  SnapshotCredential,
  SnapshotIpCredential,
  SnapshotRoute,
  SnapshotServer,
} from './policy-snapshot.ts';

// Lookup structures over one snapshot version, built once when the version arrives so each SMTP
// command costs a map lookup. Names compare case-insensitively, as Postal's MySQL collation does,
// and domains in their ASCII form: smtp-server hands over IDN domains in Unicode.

/** Postal's return-path prefix: `psrp.<sending domain>` is a CNAME to the return-path domain. */
export const RETURN_PATH_PREFIX = 'psrp';

interface IpNetwork {
  credential: SnapshotIpCredential;
  list: BlockList;
  /** Prefix length in IPv6 terms (IPv4 + 96), so rules of both families compare on one scale. */
  specificity: number;
}

export interface PolicyIndex {
  readonly version: number;
  readonly hostname: string;
  readonly returnPathDomain: string;
  readonly routeDomain: string;
  /** SMTP-IP networks the snapshot carried that are not an address or CIDR; left out. */
  readonly invalidNetworks: readonly SnapshotIpCredential[];
  serverById(id: number): SnapshotServer | undefined;
  serverByToken(token: string): SnapshotServer | undefined;
  /** An SMTP credential (never an API one) by the SHA-256 hex of its key. */
  smtpCredentialByKeyHash(keyHash: string): SnapshotCredential | undefined;
  /** An API credential (never an SMTP one) by the SHA-256 hex of its key; for the send API. */
  apiCredentialByKeyHash(keyHash: string): SnapshotCredential | undefined;
  /** A credential of any kind, SMTP-IP included, by id; to re-check a session's credential. */
  credentialExists(id: number): boolean;
  /** The SMTP-IP credential whose network holds `ip`, the most specific one when several do. */
  ipCredentialFor(ip: string): SnapshotIpCredential | undefined;
  /** The route `name@domain`, or else the domain's `*` route. */
  route(domain: string, name: string): SnapshotRoute | undefined;
  /** A route with a domain, by its token (the forwarding address `<token>@<route domain>`). */
  routeByToken(token: string): SnapshotRoute | undefined;
  isReturnPathDomain(domain: string): boolean;
  isRouteDomain(domain: string): boolean;
}

export function buildPolicyIndex(snapshot: PolicySnapshot): PolicyIndex {
  const servers = new Map(snapshot.servers.map((server) => [server.id, server]));
  const serversByToken = new Map(snapshot.servers.map((server) => [server.token.toLowerCase(), server]));
  const credentialsOfType = (type: SnapshotCredential['type']) =>
    new Map(
      snapshot.credentials
        .filter((credential) => credential.type === type && servers.has(credential.serverId))
        .map((credential) => [credential.keyHash.toLowerCase(), credential]),
    );
  const smtpCredentials = credentialsOfType('SMTP');
  const apiCredentials = credentialsOfType('API');
  const credentialIds = new Set([
    ...snapshot.credentials.map((credential) => credential.id),
    ...snapshot.ipCredentials.map((credential) => credential.id),
  ]);
  const routes = snapshot.routes.filter((route) => servers.has(route.serverId));
  const routesByAddress = new Map<string, SnapshotRoute>();
  const routesByToken = new Map<string, SnapshotRoute>();
  for (const route of routes) {
    if (route.domain === null) continue;
    routesByAddress.set(routeKey(route.domain, route.name), route);
    routesByToken.set(route.token.toLowerCase(), route);
  }
  const invalidNetworks: SnapshotIpCredential[] = [];
  const networks: IpNetwork[] = [];
  for (const credential of snapshot.ipCredentials) {
    if (!servers.has(credential.serverId)) continue;
    const network = parseNetwork(credential);
    if (network) networks.push(network);
    else invalidNetworks.push(credential);
  }
  // Most specific first; the sort is stable, so equal prefixes keep snapshot (id) order.
  networks.sort((a, b) => b.specificity - a.specificity);
  const returnPathDomain = asciiDomain(snapshot.returnPathDomain);
  const routeDomain = asciiDomain(snapshot.routeDomain);

  return {
    version: snapshot.version,
    hostname: snapshot.hostname,
    returnPathDomain,
    routeDomain,
    invalidNetworks,
    serverById: (id) => servers.get(id),
    serverByToken: (token) => serversByToken.get(token.toLowerCase()),
    smtpCredentialByKeyHash: (keyHash) => smtpCredentials.get(keyHash.toLowerCase()),
    apiCredentialByKeyHash: (keyHash) => apiCredentials.get(keyHash.toLowerCase()),
    credentialExists: (id) => credentialIds.has(id),
    ipCredentialFor(ip) {
      const family = familyOf(ip);
      if (!family) return undefined;
      return networks.find((network) => network.list.check(stripZone(ip), family))?.credential;
    },
    route: (domain, name) =>
      routesByAddress.get(routeKey(domain, name)) ?? routesByAddress.get(routeKey(domain, '*')),
    routeByToken: (token) => routesByToken.get(token.toLowerCase()),
    isReturnPathDomain: (domain) => {
      const ascii = asciiDomain(domain);
      return ascii === returnPathDomain || ascii.startsWith(`${RETURN_PATH_PREFIX}.`);
    },
    isRouteDomain: (domain) => asciiDomain(domain) === routeDomain,
  };
}

function routeKey(domain: string, name: string): string {
  return `${name.toLowerCase()}@${asciiDomain(domain)}`;
}

/** Lower-case ASCII (punycode) form of a domain; as given, lower-cased, when it is not a valid name. */
export function asciiDomain(domain: string): string {
  return domainToASCII(domain) || domain.toLowerCase();
}

function familyOf(ip: string): 'ipv4' | 'ipv6' | null {
  const version = isIP(stripZone(ip));
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : null;
}

function stripZone(ip: string): string {
  const zone = ip.indexOf('%');
  return zone === -1 ? ip : ip.slice(0, zone);
}

/**
 * `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or `x::/n`. BlockList matches IPv4 rules against
 * IPv4-mapped IPv6 clients (`::ffff:a.b.c.d`) and the reverse, as dual-stack listeners need.
 */
function parseNetwork(credential: SnapshotIpCredential): IpNetwork | null {
  const [address = '', prefixText, extra] = credential.network.trim().split('/');
  const family = familyOf(address);
  if (!family || extra !== undefined || address.includes('%')) return null;
  const width = family === 'ipv4' ? 32 : 128;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? '0') || !Number.isInteger(prefix) || prefix > width) return null;
  const list = new BlockList();
  list.addSubnet(address, prefix, family);
  return { credential, list, specificity: family === 'ipv4' ? prefix + 96 : prefix };
}
