import { VerifyDomainView } from '../../../core/domains/domain-schemas.ts';
import { verifyDomain } from '../../../core/domains/domain-verification.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER } from '../params.ts';
import { ServerDomainParams } from './domain-params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${SERVER}/domains/{domain}/verify`,
  summary: 'Look for the postal-verification TXT record; `verified` and `verification_error` say how it went',
  tag: 'Domains',
  params: ServerDomainParams,
  response: VerifyDomainView,
  handle: async ({ ctx, actor, params }) =>
    verifyDomain(ctx, await resolveServer(ctx, actor, params.org, params.server), params.domain),
});
