import { MeView, getMe } from '../../../core/users/me.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { V1 } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${V1}/me`,
  summary: 'The user behind the token and the organizations they see',
  tag: 'Me',
  response: MeView,
  handle: ({ ctx, actor }) => getMe(ctx, actor),
});
