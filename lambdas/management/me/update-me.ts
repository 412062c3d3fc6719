import { MeView, UpdateMeInput, updateMe } from '../../../core/users/me.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { V1 } from '../params.ts';

export default defineEndpoint({
  method: 'PATCH',
  path: `${V1}/me`,
  summary: 'Change your name, time zone or password',
  tag: 'Me',
  body: UpdateMeInput,
  response: MeView,
  handle: ({ ctx, actor, body }) => updateMe(ctx, actor, body),
});
