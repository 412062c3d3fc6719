import { WebhookRequestView } from '../../../core/webhooks/webhook-request-schemas.ts';
import { listWebhookRequests } from '../../../core/webhooks/webhook-requests.ts';
import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/webhooks/{uuid}/requests`,
  summary: "A webhook's delivery attempts, newest first",
  tag: 'Webhooks',
  params: ServerItemParams,
  query: PageQuery,
  response: pageOf(WebhookRequestView),
  handle: async ({ ctx, actor, params, query }) =>
    listWebhookRequests(ctx, await resolveServer(ctx, actor, params.org, params.server), params.uuid, query),
});
