import { CreateWebhookInput, WebhookView } from '../../../core/webhooks/webhook-schemas.ts';
import { createWebhook } from '../../../core/webhooks/webhooks.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${SERVER}/webhooks`,
  summary: 'Create a webhook for all events or a chosen list',
  tag: 'Webhooks',
  status: 201,
  params: ServerParams,
  body: CreateWebhookInput,
  response: WebhookView,
  handle: async ({ ctx, actor, params, body }) =>
    createWebhook(ctx, await resolveServer(ctx, actor, params.org, params.server), body),
});
