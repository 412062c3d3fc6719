import { CreateServerInput, ServerView } from '../../../core/servers/server-schemas.ts';
import { createServer } from '../../../core/servers/servers.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${ORG}/servers`,
  summary: 'Create a mail server; send limit, retention, privacy and sender fields are for administrators',
  tag: 'Servers',
  status: 201,
  params: OrgParams,
  body: CreateServerInput,
  response: ServerView,
  handle: ({ ctx, actor, params, body }) => createServer(ctx, actor, params.org, body),
});
