import { getMessage } from '../../../core/messages/message-actions.ts';
import { MessageDetailView } from '../../../core/messages/message-schemas.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER } from '../params.ts';
import { MessageParams } from './message-params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/messages/{id}`,
  summary: 'One message with its deliveries (every status change, with reasons)',
  tag: 'Messages',
  params: MessageParams,
  response: MessageDetailView,
  handle: async ({ ctx, actor, params }) =>
    getMessage(ctx, await resolveServer(ctx, actor, params.org, params.server), params.id),
});
