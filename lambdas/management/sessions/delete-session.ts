import { logOut } from '../../../core/auth/sessions.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { V1 } from '../params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: `${V1}/sessions/current`,
  summary: 'Log out: end the session of the bearer token',
  tag: 'Sessions',
  handle: ({ ctx, actor }) => logOut(ctx, actor),
});
