import { deleteServer } from '../../../core/servers/servers.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: SERVER,
  summary: 'Delete a mail server; its data is purged in the background',
  tag: 'Servers',
  params: ServerParams,
  handle: ({ ctx, actor, params }) => deleteServer(ctx, actor, params.org, params.server),
});
