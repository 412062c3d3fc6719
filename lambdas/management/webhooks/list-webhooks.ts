import { WebhookView } from '../../../core/webhooks/webhook-schemas.ts';
import { listWebhooks } from '../../../core/webhooks/webhooks.ts';
import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/webhooks`,
  summary: "A server's webhooks",
  tag: 'Webhooks',
  params: ServerParams,
  query: PageQuery,
  response: pageOf(WebhookView),
  handle: async ({ ctx, actor, params, query }) =>
    listWebhooks(ctx, await resolveServer(ctx, actor, params.org, params.server), query),
});
