import { UserView } from '../../../core/users/user-schemas.ts';
import { getUser } from '../../../core/users/users.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { UuidParams, V1 } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${V1}/users/{uuid}`,
  summary: 'One user (administrators only)',
  tag: 'Users',
  params: UuidParams,
  response: UserView,
  handle: ({ ctx, actor, params }) => getUser(ctx, actor, params.uuid),
});
