import { CredentialView, UpdateCredentialInput } from '../../../core/credentials/credential-schemas.ts';
import { updateCredential } from '../../../core/credentials/credentials.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'PATCH',
  path: `${SERVER}/credentials/{uuid}`,
  summary: "Rename a credential, hold its mail, or change an SMTP-IP credential's network",
  tag: 'Credentials',
  params: ServerItemParams,
  body: UpdateCredentialInput,
  response: CredentialView,
  handle: async ({ ctx, actor, params, body }) =>
    updateCredential(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid, body),
});
