import { deleteSmtpEndpoint } from '../../../core/routing/smtp-endpoints.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: `${SERVER}/smtp-endpoints/{uuid}`,
  summary: 'Delete an SMTP endpoint; routes delivering to it switch to Reject',
  tag: 'SMTP endpoints',
  params: ServerItemParams,
  handle: async ({ ctx, actor, params }) =>
    deleteSmtpEndpoint(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid),
});
