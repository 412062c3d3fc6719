import { UpdateUserInput, UserView } from '../../../core/users/user-schemas.ts';
import { updateUser } from '../../../core/users/users.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { UuidParams, V1 } from '../params.ts';

export default defineEndpoint({
  method: 'PATCH',
  path: `${V1}/users/{uuid}`,
  summary: 'Change a user, their role or their organizations (administrators only)',
  tag: 'Users',
  params: UuidParams,
  body: UpdateUserInput,
  response: UserView,
  handle: ({ ctx, actor, params, body }) => updateUser(ctx, actor, params.uuid, body),
});
