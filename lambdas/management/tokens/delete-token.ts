import { deleteAccessToken } from '../../../core/auth/access-tokens.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { UuidParams, V1 } from '../params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: `${V1}/tokens/{uuid}`,
  summary: 'Revoke a personal access token',
  tag: 'Tokens',
  params: UuidParams,
  handle: ({ ctx, actor, params }) => deleteAccessToken(ctx, actor, params.uuid),
});
