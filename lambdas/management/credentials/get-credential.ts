import { CredentialView } from '../../../core/credentials/credential-schemas.ts';
import { getCredential } from '../../../core/credentials/credentials.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/credentials/{uuid}`,
  summary: 'One credential',
  tag: 'Credentials',
  params: ServerItemParams,
  response: CredentialView,
  handle: async ({ ctx, actor, params }) =>
    getCredential(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid),
});
