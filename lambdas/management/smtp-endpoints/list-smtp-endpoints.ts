import { SmtpEndpointView } from '../../../core/routing/endpoint-schemas.ts';
import { listSmtpEndpoints } from '../../../core/routing/smtp-endpoints.ts';
import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/smtp-endpoints`,
  summary: "A server's SMTP endpoints, which receive incoming mail over SMTP",
  tag: 'SMTP endpoints',
  params: ServerParams,
  query: PageQuery,
  response: pageOf(SmtpEndpointView),
  handle: async ({ ctx, actor, params, query }) =>
    listSmtpEndpoints(ctx, await resolveServer(ctx, actor, params.org, params.server), query),
});
