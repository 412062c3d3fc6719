import type { MxRecord } from '../ports.ts';

// Postal's DNS checks (reference/postal.md §1.3, Domain::DNSChecks), as pure functions of the
// answers: each ends in a status from a closed set and, unless OK, a reason a person can act on.
// `lookup` only turns a resolver that throws into an answer of its own.

/** A lookup's answer, or why there is none (a timeout, a failing server): a fact, not a verdict. */
export type Lookup<T> = { ok: true; records: T } | { ok: false; reason: string };

/** Runs a lookup, turning a resolver failure (timeout, SERVFAIL) into an answer a check can report. */
export async function lookup<T>(query: () => Promise<T>): Promise<Lookup<T>> {
  try {
    return { ok: true, records: await query() };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

export type CheckOutcome =
  | { status: 'OK'; error: null }
  | { status: 'Missing' | 'Invalid'; error: string }
  /** The lookup failed, so nothing is known about the record. */
  | { status: null; error: string };

const ok: CheckOutcome = { status: 'OK', error: null };
const missing = (error: string): CheckOutcome => ({ status: 'Missing', error });
const invalid = (error: string): CheckOutcome => ({ status: 'Invalid', error });
const lookupFailed = (type: string, name: string, reason: string): CheckOutcome => ({
  status: null,
  error: `Could not look up the ${type} records of ${name}: ${reason}`,
});

/** DNS names compare case-insensitively, and answers may carry the root's trailing dot. */
export const sameHost = (a: string, b: string): boolean =>
  a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();

/** RFC 7208 §3.3: a record's character strings are joined with nothing between them. */
export const joinTxt = (records: readonly (readonly string[])[]): string[] =>
  records.map((strings) => strings.join(''));

const isSpf = (record: string): boolean => /^v=spf1(\s|$)/i.test(record.trim());

export function checkSpf(
  domain: string,
  answer: Lookup<readonly (readonly string[])[]>,
  spfInclude: string,
): CheckOutcome {
  if (!answer.ok) return lookupFailed('TXT', domain, answer.reason);
  const spf = joinTxt(answer.records).filter(isSpf);
  if (spf.length === 0) return missing(`No SPF record exists for ${domain}`);
  const includes = (record: string): boolean =>
    record
      .split(/\s+/)
      .some((term) => /^\+?include:/i.test(term) && sameHost(term.replace(/^\+?include:/i, ''), spfInclude));
  if (spf.some(includes)) return ok;
  return invalid(
    `Expected the SPF record of ${domain} to include:${spfInclude}, found "${spf.join('", "')}"`,
  );
}

/** Tags compared without the spaces around `;` and without a trailing `;`, as Postal does. */
const normalizeDkim = (record: string): string =>
  record
    .split(';')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '')
    .join(';');

export function checkDkim(
  name: string,
  answer: Lookup<readonly (readonly string[])[]>,
  expected: string,
): CheckOutcome {
  if (!answer.ok) return lookupFailed('TXT', name, answer.reason);
  const records = joinTxt(answer.records);
  const [record] = records;
  if (record === undefined) return missing(`No TXT record exists at ${name}`);
  if (records.length > 1) {
    return invalid(`Expected one TXT record at ${name}, found ${records.length}`);
  }
  if (normalizeDkim(record) !== normalizeDkim(expected)) {
    return invalid(`Expected the TXT record at ${name} to be "${expected}", found "${record}"`);
  }
  return ok;
}

export function checkMx(
  domain: string,
  answer: Lookup<readonly MxRecord[]>,
  mxHosts: readonly string[],
): CheckOutcome {
  if (!answer.ok) return lookupFailed('MX', domain, answer.reason);
  if (answer.records.length === 0) return missing(`No MX records exist for ${domain}`);
  const absent = mxHosts.filter((host) => !answer.records.some((record) => sameHost(record.exchange, host)));
  if (absent.length === 0) return ok;
  const found = answer.records.map((record) => record.exchange).join(', ');
  if (absent.length === mxHosts.length) {
    return missing(`Expected MX records for ${mxHosts.join(', ')} at ${domain}, found only ${found}`);
  }
  return invalid(`Expected MX records for ${absent.join(', ')} at ${domain} as well, found ${found}`);
}

/** A CNAME that must point exactly at `target`: the return path and track domains. */
export function checkCname(name: string, answer: Lookup<readonly string[]>, target: string): CheckOutcome {
  if (!answer.ok) return lookupFailed('CNAME', name, answer.reason);
  const [record] = answer.records;
  if (record === undefined) return missing(`No CNAME record exists at ${name}`);
  if (answer.records.length === 1 && sameHost(record, target)) return ok;
  return invalid(
    `Expected the CNAME record at ${name} to point to ${target}, found ${answer.records.join(', ')}`,
  );
}

/** Postal's rule: SPF and DKIM must be right; MX and the return path may be absent, not wrong. */
export function dnsOk(statuses: {
  spf: string | null;
  dkim: string | null;
  mx: string | null;
  returnPath: string | null;
}): boolean {
  const okOrMissing = (status: string | null): boolean => status === 'OK' || status === 'Missing';
  return (
    statuses.spf === 'OK' &&
    statuses.dkim === 'OK' &&
    okOrMissing(statuses.mx) &&
    okOrMissing(statuses.returnPath)
  );
}
