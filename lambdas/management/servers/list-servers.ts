import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { ServerView } from '../../../core/servers/server-schemas.ts';
import { listServers } from '../../../core/servers/servers.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${ORG}/servers`,
  summary: "An organization's mail servers",
  tag: 'Servers',
  params: OrgParams,
  query: PageQuery,
  response: pageOf(ServerView),
  handle: ({ ctx, actor, params, query }) => listServers(ctx, actor, params.org, query),
});
