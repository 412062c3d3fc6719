import { deleteWebhook } from '../../../core/webhooks/webhooks.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: `${SERVER}/webhooks/{uuid}`,
  summary: 'Delete a webhook',
  tag: 'Webhooks',
  params: ServerItemParams,
  handle: async ({ ctx, actor, params }) =>
    deleteWebhook(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid),
});
