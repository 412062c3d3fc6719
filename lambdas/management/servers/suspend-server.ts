import { SuspendInput } from '../../../core/organizations/organization-schemas.ts';
import { ServerView } from '../../../core/servers/server-schemas.ts';
import { suspendServer } from '../../../core/servers/servers.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${SERVER}/suspend`,
  summary: 'Suspend a mail server: SMTP refuses it and its mail is held (administrators only)',
  tag: 'Servers',
  params: ServerParams,
  body: SuspendInput,
  response: ServerView,
  handle: ({ ctx, actor, params, body }) => suspendServer(ctx, actor, params.org, params.server, body),
});
