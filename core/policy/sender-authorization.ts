import { asciiDomain } from './policy-index.ts';
import type { SnapshotServer } from './policy-snapshot.ts';

// Postal's authenticated-sender rule (reference/postal.md §1.3, Server#authenticated_domain_for_address
// and #find_authenticated_domain_from_headers): mail sent with a server's credential must come
// from a domain that server may use.

export type SnapshotDomain = SnapshotServer['domains'][number];

export interface SenderHeaders {
  /** Bare addresses of every From header, in order. */
  from: readonly string[];
  /** Bare addresses of every Sender header, in order. */
  sender: readonly string[];
}

export type SenderAuthorization =
  | { authorized: true; header: 'from' | 'sender'; domain: SnapshotDomain }
  | { authorized: false; reason: string };

/**
 * Every From address must be at a domain of the server; with allow_sender ("send as any"), every
 * Sender address may vouch instead. A header with no address never passes.
 */
export function authorizeSender(server: SnapshotServer, headers: SenderHeaders): SenderAuthorization {
  const fromDomain = domainForAll(server, headers.from);
  if (fromDomain) return { authorized: true, header: 'from', domain: fromDomain };
  if (server.allowSender) {
    const senderDomain = domainForAll(server, headers.sender);
    if (senderDomain) return { authorized: true, header: 'sender', domain: senderDomain };
  }
  const offending = headers.from.find((address) => !authorizedDomainFor(server, address));
  return {
    authorized: false,
    reason:
      offending === undefined
        ? 'the message has no From address'
        : `${offending} is not at a verified domain of the server`,
  };
}

/** The domain that authorizes `address`: a matching verified domain, server-owned first, else use_for_any. */
export function authorizedDomainFor(server: SnapshotServer, address: string): SnapshotDomain | undefined {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return undefined;
  const name = asciiDomain(address.slice(at + 1));
  const verified = server.domains.filter((domain) => domain.verified);
  const matching = verified.filter((domain) => asciiDomain(domain.name) === name);
  const exact = matching.find((domain) => !domain.organizationLevel) ?? matching[0];
  if (exact) return exact;
  // Postal orders the use_for_any candidates by name and takes the first.
  return verified
    .filter((domain) => domain.useForAny && !domain.organizationLevel)
    .sort((a, b) => a.name.localeCompare(b.name))[0];
}

function domainForAll(server: SnapshotServer, addresses: readonly string[]): SnapshotDomain | undefined {
  if (addresses.length === 0) return undefined;
  const domains = addresses.map((address) => authorizedDomainFor(server, address));
  return domains.every((domain) => domain !== undefined) ? domains[0] : undefined;
}
