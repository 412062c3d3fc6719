import { z } from 'zod';
import { logIn } from '../../../core/auth/sessions.ts';
import { UserView, userView } from '../../../core/users/user-schemas.ts';
import { isoTime } from '../../../core/management/view-helpers.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { V1 } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${V1}/sessions`,
  summary: 'Log in with an email address and password; returns a bearer token',
  tag: 'Sessions',
  auth: 'public',
  status: 201,
  body: z.object({ email: z.string().max(255), password: z.string().max(200) }).strict(),
  response: z.object({ token: z.string(), expires_at: z.iso.datetime(), user: UserView }),
  async handle({ ctx, body, meta }) {
    const session = await logIn(ctx, { ...body, ipAddress: meta.ipAddress, userAgent: meta.userAgent });
    return { token: session.token, expires_at: isoTime(session.expiresAt), user: userView(session.user) };
  },
});
