import type { Installation } from '../config.ts';
import type { Row } from '../db/schema.ts';
import type { DnsRecord } from './domain-schemas.ts';

// The records a domain's owner publishes, with Postal's literals so existing zones keep working
// (ARCHITECTURE.md, compatibility literals; reference/postal.md §1.3).

export const VERIFICATION_PREFIX = 'postal-verification';
export const RETURN_PATH_PREFIX = 'psrp';
export const MX_PRIORITY = 10;

/** RFC 1035 §3.3: a TXT record is a list of character strings of at most 255 bytes each. */
const MAX_CHARACTER_STRING = 255;

type DomainNames = Pick<Row<'domains'>, 'name' | 'verification_token' | 'dkim_identifier_string'>;

export const verificationRecordValue = (token: string): string => `${VERIFICATION_PREFIX} ${token}`;

export const spfRecordValue = (installation: Installation): string =>
  `v=spf1 a mx include:${installation.spfInclude} ~all`;

export const dkimSelector = (installation: Installation, identifierString: string): string =>
  `${installation.dkimIdentifier}-${identifierString}`;

export const dkimRecordName = (installation: Installation, domain: DomainNames): string =>
  `${dkimSelector(installation, domain.dkim_identifier_string)}._domainkey.${domain.name}`;

export const dkimRecordValue = (publicKey: string): string => `v=DKIM1; t=s; h=sha256; p=${publicKey};`;

export const returnPathName = (domainName: string): string => `${RETURN_PATH_PREFIX}.${domainName}`;

/** `value` cut into character strings of at most 255 bytes, never inside a UTF-8 sequence. */
export function characterStrings(value: string): string[] {
  const strings: string[] = [];
  let current = '';
  let bytes = 0;
  for (const char of value) {
    const size = Buffer.byteLength(char);
    if (bytes + size > MAX_CHARACTER_STRING) {
      strings.push(current);
      current = '';
      bytes = 0;
    }
    current += char;
    bytes += size;
  }
  if (current !== '' || strings.length === 0) strings.push(current);
  return strings;
}

const txt = (purpose: DnsRecord['purpose'], name: string, value: string): DnsRecord => ({
  purpose,
  type: 'TXT',
  name,
  value,
  strings: characterStrings(value),
});

/** Every record to publish for `domain`; the verification record only while it is unverified. */
export function domainDnsRecords(
  domain: DomainNames & Pick<Row<'domains'>, 'verified_at'>,
  installation: Installation,
  publicKey: string,
): DnsRecord[] {
  return [
    ...(domain.verified_at === null
      ? [txt('verification', domain.name, verificationRecordValue(domain.verification_token))]
      : []),
    txt('spf', domain.name, spfRecordValue(installation)),
    txt('dkim', dkimRecordName(installation, domain), dkimRecordValue(publicKey)),
    {
      purpose: 'return_path',
      type: 'CNAME',
      name: returnPathName(domain.name),
      value: installation.returnPathDomain,
    },
    ...installation.mxHosts.map((host): DnsRecord => ({
      purpose: 'mx',
      type: 'MX',
      name: domain.name,
      value: host,
      priority: MX_PRIORITY,
    })),
  ];
}
