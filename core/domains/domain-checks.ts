import type { AppContext } from '../context.ts';
import type { Installation } from '../config.ts';
import type { Row } from '../db/schema.ts';
import type { Dns } from '../ports.ts';
import { notFound } from '../errors.ts';
import { mutate } from '../management/mutation.ts';
import { checkCname, checkDkim, checkMx, checkSpf, lookup, type CheckOutcome } from './dns-checks.ts';
import { dkimPublicKey } from './dkim-key.ts';
import { dkimRecordName, dkimRecordValue, returnPathName } from './dns-records.ts';
import type { DomainView } from './domain-schemas.ts';
import { domainAudit, findDomain, presentDomain, type DomainScope } from './domains.ts';

export interface DomainCheckOutcomes {
  spf: CheckOutcome;
  dkim: CheckOutcome;
  mx: CheckOutcome;
  returnPath: CheckOutcome;
}

/** The four checks of one domain, each looked up on its own so one failing lookup spoils only its check. */
export async function checkDomainRecords(
  dns: Dns,
  installation: Installation,
  domain: Pick<Row<'domains'>, 'name' | 'verification_token' | 'dkim_identifier_string'>,
  publicKey: string,
): Promise<DomainCheckOutcomes> {
  const dkimName = dkimRecordName(installation, domain);
  const rpName = returnPathName(domain.name);
  const [apexTxt, dkimTxt, mx, rpCname] = await Promise.all([
    lookup(() => dns.txt(domain.name)),
    lookup(() => dns.txt(dkimName)),
    lookup(() => dns.mx(domain.name)),
    lookup(() => dns.cname(rpName)),
  ]);
  return {
    spf: checkSpf(domain.name, apexTxt, installation.spfInclude),
    dkim: checkDkim(dkimName, dkimTxt, dkimRecordValue(publicKey)),
    mx: checkMx(domain.name, mx, installation.mxHosts),
    returnPath: checkCname(rpName, rpCname, installation.returnPathDomain),
  };
}

/** How the outcomes are stored: a status and its reason per check, and when they were checked. */
export function checkColumns(outcome: DomainCheckOutcomes, checkedAt: number) {
  return {
    spf_status: outcome.spf.status,
    spf_error: outcome.spf.error,
    dkim_status: outcome.dkim.status,
    dkim_error: outcome.dkim.error,
    mx_status: outcome.mx.status,
    mx_error: outcome.mx.error,
    return_path_status: outcome.returnPath.status,
    return_path_error: outcome.returnPath.error,
    dns_checked_at: checkedAt,
  };
}

/**
 * Checks the domain's records and stores each status with its reason. A lookup that fails is
 * stored as status null with the reason, and the request still succeeds: the answer is the
 * domain as now known.
 */
export async function checkDomain(ctx: AppContext, scope: DomainScope, ref: string): Promise<DomainView> {
  const domain = await findDomain(ctx.db, scope, ref);
  const publicKey = dkimPublicKey(await ctx.keys.decrypt(domain.dkim_private_key));
  const outcome = await checkDomainRecords(ctx.dns, ctx.installation, domain, publicKey);
  const now = ctx.clock.now();
  const row = await mutate(ctx, scope.actor, { affectsPolicy: false }, async (trx) => {
    await trx
      .updateTable('domains')
      .set({ ...checkColumns(outcome, now), updated_at: now })
      .where('id', '=', domain.id)
      .execute();
    const checked = await trx
      .selectFrom('domains')
      .selectAll()
      .where('id', '=', domain.id)
      .executeTakeFirst();
    if (!checked) throw notFound('domain');
    return {
      result: checked,
      audit: domainAudit(scope, 'check', domain.uuid, {
        spf: outcome.spf.status,
        dkim: outcome.dkim.status,
        mx: outcome.mx.status,
        return_path: outcome.returnPath.status,
      }),
    };
  });
  return presentDomain(ctx, row);
}
