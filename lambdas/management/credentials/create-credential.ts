import { CreateCredentialInput, NewCredentialView } from '../../../core/credentials/credential-schemas.ts';
import { createCredential } from '../../../core/credentials/credentials.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${SERVER}/credentials`,
  summary: 'Create a credential; an API or SMTP key is shown once, in this response',
  tag: 'Credentials',
  status: 201,
  params: ServerParams,
  body: CreateCredentialInput,
  response: NewCredentialView,
  handle: async ({ ctx, actor, params, body }) =>
    createCredential(ctx, await resolveServer(ctx, actor, params.org, params.server), body),
});
