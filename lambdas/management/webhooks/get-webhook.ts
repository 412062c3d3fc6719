import { WebhookView } from '../../../core/webhooks/webhook-schemas.ts';
import { getWebhook } from '../../../core/webhooks/webhooks.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/webhooks/{uuid}`,
  summary: 'One webhook',
  tag: 'Webhooks',
  params: ServerItemParams,
  response: WebhookView,
  handle: async ({ ctx, actor, params }) =>
    getWebhook(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid),
});
