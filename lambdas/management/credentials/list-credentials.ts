import { CredentialView } from '../../../core/credentials/credential-schemas.ts';
import { listCredentials } from '../../../core/credentials/credentials.ts';
import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/credentials`,
  summary: "A server's API, SMTP and SMTP-IP credentials",
  tag: 'Credentials',
  params: ServerParams,
  query: PageQuery,
  response: pageOf(CredentialView),
  handle: async ({ ctx, actor, params, query }) =>
    listCredentials(ctx, await resolveServer(ctx, actor, params.org, params.server), query),
});
