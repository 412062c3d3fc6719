import { UpdateWebhookInput, WebhookView } from '../../../core/webhooks/webhook-schemas.ts';
import { updateWebhook } from '../../../core/webhooks/webhooks.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'PATCH',
  path: `${SERVER}/webhooks/{uuid}`,
  summary: "Change a webhook's name, URL, state or events",
  tag: 'Webhooks',
  params: ServerItemParams,
  body: UpdateWebhookInput,
  response: WebhookView,
  handle: async ({ ctx, actor, params, body }) =>
    updateWebhook(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid, body),
});
