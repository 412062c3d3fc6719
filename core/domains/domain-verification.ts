import type { AppContext } from '../context.ts';
import { notFound } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { joinTxt, lookup, type Lookup } from './dns-checks.ts';
import { verificationRecordValue } from './dns-records.ts';
import type { VerifyDomainView } from './domain-schemas.ts';
import { domainAudit, findDomain, presentDomain, type DomainScope } from './domains.ts';

export type VerificationOutcome = { verified: true } | { verified: false; reason: string };

/** Postal's DNS verification: a TXT record at the apex reading exactly `postal-verification <token>`. */
export function matchVerification(
  domain: string,
  answer: Lookup<readonly (readonly string[])[]>,
  token: string,
): VerificationOutcome {
  const expected = verificationRecordValue(token);
  if (!answer.ok) {
    return { verified: false, reason: `Could not look up the TXT records of ${domain}: ${answer.reason}` };
  }
  const records = joinTxt(answer.records).map((record) => record.trim());
  if (records.includes(expected)) return { verified: true };
  return {
    verified: false,
    reason:
      records.length === 0
        ? `Expected a TXT record "${expected}" at ${domain}, found no TXT records`
        : `Expected a TXT record "${expected}" at ${domain}, found "${records.join('", "')}"`,
  };
}

/**
 * Looks for the verification record and marks the domain verified when it is there. Not finding
 * it is an outcome, not an error: the answer says `verified: false` and why.
 */
export async function verifyDomain(
  ctx: AppContext,
  scope: DomainScope,
  ref: string,
): Promise<VerifyDomainView> {
  const domain = await findDomain(ctx.db, scope, ref);
  if (domain.verified_at !== null) return { ...(await presentDomain(ctx, domain)), verification_error: null };
  const outcome = matchVerification(
    domain.name,
    await lookup(() => ctx.dns.txt(domain.name)),
    domain.verification_token,
  );
  if (!outcome.verified) return { ...(await presentDomain(ctx, domain)), verification_error: outcome.reason };
  const now = ctx.clock.now();
  const verified = await mutate(ctx, scope.actor, { affectsPolicy: true }, async (trx) => {
    // A verification that raced this one keeps its time.
    await trx
      .updateTable('domains')
      .set({ verified_at: now, updated_at: now })
      .where('id', '=', domain.id)
      .where('verified_at', 'is', null)
      .execute();
    const row = await trx.selectFrom('domains').selectAll().where('id', '=', domain.id).executeTakeFirst();
    if (!row) throw notFound('domain');
    return { result: row, audit: domainAudit(scope, 'verify', domain.uuid, { method: 'DNS' }) };
  });
  return { ...(await presentDomain(ctx, verified)), verification_error: null };
}
