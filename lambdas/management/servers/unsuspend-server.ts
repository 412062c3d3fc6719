import { ServerView } from '../../../core/servers/server-schemas.ts';
import { suspendServer } from '../../../core/servers/servers.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${SERVER}/unsuspend`,
  summary: 'Lift the suspension of a mail server (administrators only)',
  tag: 'Servers',
  params: ServerParams,
  response: ServerView,
  handle: ({ ctx, actor, params }) => suspendServer(ctx, actor, params.org, params.server, null),
});
