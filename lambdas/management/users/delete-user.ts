import { deleteUser } from '../../../core/users/users.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { UuidParams, V1 } from '../params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: `${V1}/users/{uuid}`,
  summary: 'Delete a user (administrators only)',
  tag: 'Users',
  params: UuidParams,
  handle: ({ ctx, actor, params }) => deleteUser(ctx, actor, params.uuid),
});
