import { listMessages } from '../../../core/messages/message-actions.ts';
import { MessageFilter, MessageView } from '../../../core/messages/message-schemas.ts';
import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/messages`,
  summary: "A server's messages, newest first, narrowed by direction, status, held, to, from, tag and time",
  tag: 'Messages',
  params: ServerParams,
  query: MessageFilter.extend(PageQuery.shape),
  response: pageOf(MessageView),
  handle: async ({ ctx, actor, params, query }) => {
    const { limit, cursor, ...filter } = query;
    return listMessages(ctx, await resolveServer(ctx, actor, params.org, params.server), filter, {
      limit,
      cursor,
    });
  },
});
