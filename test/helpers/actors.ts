import type { Actor } from '../../core/auth/actor.ts';

/** An administrator with no user row behind it, for calling core directly in tests. */
export const testAdmin: Actor = {
  userId: 0,
  userUuid: '00000000-0000-4000-8000-000000000000',
  email: 'admin@postern.test',
  admin: true,
  sessionId: null,
  ipAddress: null,
};
