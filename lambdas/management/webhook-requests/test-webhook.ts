import { QueuedWebhookEventView, TestWebhookInput } from '../../../core/webhooks/webhook-request-schemas.ts';
import { testWebhook } from '../../../core/webhooks/webhook-requests.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${SERVER}/webhooks/{uuid}/test`,
  summary: 'Send a sample event (MessageSent unless another is named) to check the receiver',
  tag: 'Webhooks',
  status: 202,
  params: ServerItemParams,
  body: TestWebhookInput,
  response: QueuedWebhookEventView,
  handle: async ({ ctx, actor, params, body }) =>
    testWebhook(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid, body),
});
