import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { dkimPublicKey } from '../../../core/domains/dkim-key.ts';
import { characterStrings, dkimRecordValue } from '../../../core/domains/dns-records.ts';

/** A key as its domain publishes it: the TXT record at `<selector>._domainkey.<domain>`. */
export interface PublishedKey {
  domain: string;
  selector: string;
  privateKeyPem: string;
}

export interface DkimOutcome {
  /** One per DKIM-Signature, top first: 'pass', 'fail', 'neutral', … */
  results: string[];
  /** What mailauth said about each, for assertion messages. */
  details: string;
}

/**
 * mailauth's verdict (strict mode) on every DKIM-Signature of `message`, with DNS answered from `keys` only
 * (the record a domain publishes, split into character strings as DNS carries it).
 */
export async function verifyDkim(message: Uint8Array, keys: readonly PublishedKey[]): Promise<DkimOutcome> {
  const zone = new Map(
    keys.map((key) => [
      `${key.selector}._domainkey.${key.domain}`.toLowerCase(),
      characterStrings(dkimRecordValue(dkimPublicKey(key.privateKeyPem))),
    ]),
  );
  const resolver = async (name: string, type: string): Promise<string[][]> => {
    const record = type === 'TXT' ? zone.get(name.toLowerCase()) : undefined;
    if (!record) throw Object.assign(new Error(`${name} ${type}: not found`), { code: 'ENOTFOUND' });
    return [record];
  };
  // strict: RFC 6376 exactly. It is also what reports a body hash mismatch as fail, not neutral.
  const outcome = await dkimVerify(Buffer.from(message), { resolver, strict: true });
  return {
    results: outcome.results.map((result) => result.status.result),
    details: JSON.stringify(
      outcome.results.map((result) => ({
        result: result.status.result,
        comment: result.status.comment,
        bodyHash: result.bodyHash,
        expected: result.bodyHashExpecting,
      })),
    ),
  };
}
