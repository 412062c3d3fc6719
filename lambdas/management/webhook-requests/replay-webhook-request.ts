import { QueuedWebhookEventView } from '../../../core/webhooks/webhook-request-schemas.ts';
import { replayWebhookRequest } from '../../../core/webhooks/webhook-requests.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER } from '../params.ts';
import { WebhookRequestParams } from './webhook-request-params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${SERVER}/webhooks/{uuid}/requests/{request}/replay`,
  summary: 'Send the event of a logged attempt again, with the same uuid',
  tag: 'Webhooks',
  status: 202,
  params: WebhookRequestParams,
  response: QueuedWebhookEventView,
  handle: async ({ ctx, actor, params }) =>
    replayWebhookRequest(
      ctx,
      await resolveServer(ctx, actor, params.org, params.server),
      params.uuid,
      params.request,
    ),
});
