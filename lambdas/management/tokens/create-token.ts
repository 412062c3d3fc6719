import {
  CreateAccessTokenInput,
  NewAccessTokenView,
  createAccessToken,
} from '../../../core/auth/access-tokens.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { V1 } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${V1}/tokens`,
  summary: 'Create a personal access token for automation; the token is shown once',
  tag: 'Tokens',
  status: 201,
  body: CreateAccessTokenInput,
  response: NewAccessTokenView,
  handle: ({ ctx, actor, body }) => createAccessToken(ctx, actor, body),
});
