import { UpdateSmtpEndpointInput, SmtpEndpointView } from '../../../core/routing/endpoint-schemas.ts';
import { updateSmtpEndpoint } from '../../../core/routing/smtp-endpoints.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'PATCH',
  path: `${SERVER}/smtp-endpoints/{uuid}`,
  summary: 'Change an SMTP endpoint',
  tag: 'SMTP endpoints',
  params: ServerItemParams,
  body: UpdateSmtpEndpointInput,
  response: SmtpEndpointView,
  handle: async ({ ctx, actor, params, body }) =>
    updateSmtpEndpoint(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid, body),
});
