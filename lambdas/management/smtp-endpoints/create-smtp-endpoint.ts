import { CreateSmtpEndpointInput, SmtpEndpointView } from '../../../core/routing/endpoint-schemas.ts';
import { createSmtpEndpoint } from '../../../core/routing/smtp-endpoints.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${SERVER}/smtp-endpoints`,
  summary: 'Create an SMTP endpoint',
  tag: 'SMTP endpoints',
  status: 201,
  params: ServerParams,
  body: CreateSmtpEndpointInput,
  response: SmtpEndpointView,
  handle: async ({ ctx, actor, params, body }) =>
    createSmtpEndpoint(ctx, await resolveServer(ctx, actor, params.org, params.server), body),
});
