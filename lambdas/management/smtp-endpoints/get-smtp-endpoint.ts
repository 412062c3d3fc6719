import { SmtpEndpointView } from '../../../core/routing/endpoint-schemas.ts';
import { getSmtpEndpoint } from '../../../core/routing/smtp-endpoints.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/smtp-endpoints/{uuid}`,
  summary: 'One SMTP endpoint',
  tag: 'SMTP endpoints',
  params: ServerItemParams,
  response: SmtpEndpointView,
  handle: async ({ ctx, actor, params }) =>
    getSmtpEndpoint(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid),
});
