import { CreateUserInput, UserView } from '../../../core/users/user-schemas.ts';
import { createUser } from '../../../core/users/users.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { V1 } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${V1}/users`,
  summary: 'Create a user (administrators only)',
  tag: 'Users',
  status: 201,
  body: CreateUserInput,
  response: UserView,
  handle: ({ ctx, actor, body }) => createUser(ctx, actor, body),
});
