import { deleteCredential } from '../../../core/credentials/credentials.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: `${SERVER}/credentials/{uuid}`,
  summary: 'Revoke a credential; the SMTP edge refuses it at once',
  tag: 'Credentials',
  params: ServerItemParams,
  handle: async ({ ctx, actor, params }) =>
    deleteCredential(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid),
});
