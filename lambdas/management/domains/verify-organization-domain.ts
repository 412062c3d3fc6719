import { VerifyDomainView } from '../../../core/domains/domain-schemas.ts';
import { verifyDomain } from '../../../core/domains/domain-verification.ts';
import { resolveOrganization } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG } from '../params.ts';
import { OrgDomainParams } from './domain-params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${ORG}/domains/{domain}/verify`,
  summary: 'Look for the postal-verification TXT record; `verified` and `verification_error` say how it went',
  tag: 'Domains',
  params: OrgDomainParams,
  response: VerifyDomainView,
  handle: async ({ ctx, actor, params }) =>
    verifyDomain(ctx, await resolveOrganization(ctx, actor, params.org), params.domain),
});
