import { WebhookRequestDetail } from '../../../core/webhooks/webhook-request-schemas.ts';
import { getWebhookRequest } from '../../../core/webhooks/webhook-requests.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER } from '../params.ts';
import { WebhookRequestParams } from './webhook-request-params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/webhooks/{uuid}/requests/{request}`,
  summary: 'One delivery attempt with its payload and the response',
  tag: 'Webhooks',
  params: WebhookRequestParams,
  response: WebhookRequestDetail,
  handle: async ({ ctx, actor, params }) =>
    getWebhookRequest(
      ctx,
      await resolveServer(ctx, actor, params.org, params.server),
      params.uuid,
      params.request,
    ),
});
