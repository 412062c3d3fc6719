import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { UserView } from '../../../core/users/user-schemas.ts';
import { listUsers } from '../../../core/users/users.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { V1 } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${V1}/users`,
  summary: 'All users (administrators only)',
  tag: 'Users',
  query: PageQuery,
  response: pageOf(UserView),
  handle: ({ ctx, actor, query }) => listUsers(ctx, actor, query),
});
