import { ServerView, UpdateServerInput } from '../../../core/servers/server-schemas.ts';
import { updateServer } from '../../../core/servers/servers.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'PATCH',
  path: SERVER,
  summary: 'Change a mail server; send limit, retention, privacy and sender fields are for administrators',
  tag: 'Servers',
  params: ServerParams,
  body: UpdateServerInput,
  response: ServerView,
  handle: ({ ctx, actor, params, body }) => updateServer(ctx, actor, params.org, params.server, body),
});
