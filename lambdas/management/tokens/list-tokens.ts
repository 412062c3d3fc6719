import { AccessTokenView, listAccessTokens } from '../../../core/auth/access-tokens.ts';
import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { V1 } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${V1}/tokens`,
  summary: 'Your personal access tokens',
  tag: 'Tokens',
  query: PageQuery,
  response: pageOf(AccessTokenView),
  handle: ({ ctx, actor, query }) => listAccessTokens(ctx, actor, query),
});
