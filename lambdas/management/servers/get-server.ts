import { ServerView } from '../../../core/servers/server-schemas.ts';
import { getServer } from '../../../core/servers/servers.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: SERVER,
  summary: 'One mail server',
  tag: 'Servers',
  params: ServerParams,
  response: ServerView,
  handle: ({ ctx, actor, params }) => getServer(ctx, actor, params.org, params.server),
});
