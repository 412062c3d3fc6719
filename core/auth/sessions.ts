import type { AppContext } from '../context.ts';
import type { Actor } from './actor.ts';
import { PosternError } from '../errors.ts';
import { UNUSABLE_PASSWORD_HASH, verifyPassword } from './passwords.ts';
import { hashSecret } from './secret-hash.ts';
import { assertNotThrottled, clearFailures, recordFailure, type ThrottleRule } from './throttle.ts';
import type { Row } from '../db/schema.ts';

// Session and personal access tokens carry a prefix so a leaked token is recognisable (secret
// scanners) and so authentication knows which table to look in.
export const SESSION_TOKEN_PREFIX = 'pst_';
export const ACCESS_TOKEN_PREFIX = 'pat_';

const IDLE_MS = 24 * 60 * 60 * 1000;
const LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
/** last_used_at is refreshed at most this often, so reads do not become writes. */
const TOUCH_MS = 60 * 1000;

const perAccount: ThrottleRule = { limit: 5, windowMs: 15 * 60 * 1000 };
const perAddress: ThrottleRule = { limit: 20, windowMs: 15 * 60 * 1000 };

export interface LogInInput {
  email: string;
  password: string;
  ipAddress: string | null;
  userAgent: string | null;
}

export interface NewSession {
  token: string;
  expiresAt: number;
  user: Row<'users'>;
}

export async function logIn(ctx: AppContext, input: LogInInput): Promise<NewSession> {
  const email = input.email.trim().toLowerCase();
  const now = ctx.clock.now();
  const accountKey = `login:account:${email}`;
  const addressKey = input.ipAddress ? `login:address:${input.ipAddress}` : null;
  await assertNotThrottled(ctx.db, addressKey ? [accountKey, addressKey] : [accountKey], now);
  const user = await ctx.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  const valid = await verifyPassword(input.password, user?.password_hash ?? UNUSABLE_PASSWORD_HASH);
  if (!user || !valid) {
    await recordFailure(ctx.db, accountKey, perAccount, now);
    if (addressKey) await recordFailure(ctx.db, addressKey, perAddress, now);
    ctx.logger.warn('login failed', { email, ipAddress: input.ipAddress });
    throw new PosternError('unauthenticated', 'invalid email address or password');
  }
  await clearFailures(ctx.db, accountKey);
  const token = SESSION_TOKEN_PREFIX + ctx.ids.token(40);
  const expiresAt = now + LIFETIME_MS;
  await ctx.db
    .insertInto('sessions')
    .values({
      user_id: user.id,
      token_hash: hashSecret(token),
      ip_address: input.ipAddress,
      user_agent: input.userAgent?.slice(0, 255) ?? null,
      created_at: now,
      last_used_at: now,
      expires_at: expiresAt,
    })
    .execute();
  return { token, expiresAt, user };
}

export async function logOut(ctx: AppContext, actor: Actor): Promise<void> {
  if (actor.sessionId === null) {
    throw new PosternError('invalid_request', 'this token is a personal access token; delete it instead', {
      details: [{ field: 'authorization', message: 'not a session token' }],
    });
  }
  await ctx.db.deleteFrom('sessions').where('id', '=', actor.sessionId).execute();
}

const unauthenticated = (): PosternError =>
  new PosternError('unauthenticated', 'a valid bearer token is required (log in at /management/v1/sessions)');

/** Resolves a bearer token to the user behind it; any problem is the same 401. */
export async function authenticate(
  ctx: AppContext,
  bearer: string | null,
  meta: { ipAddress: string | null },
): Promise<Actor> {
  if (!bearer) throw unauthenticated();
  const now = ctx.clock.now();
  const hash = hashSecret(bearer);
  if (bearer.startsWith(SESSION_TOKEN_PREFIX)) {
    const session = await ctx.db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (!session || session.expires_at <= now || session.last_used_at + IDLE_MS <= now)
      throw unauthenticated();
    if (now - session.last_used_at > TOUCH_MS) {
      await ctx.db.updateTable('sessions').set({ last_used_at: now }).where('id', '=', session.id).execute();
    }
    return actorFor(ctx, session.user_id, session.id, meta.ipAddress);
  }
  if (bearer.startsWith(ACCESS_TOKEN_PREFIX)) {
    const token = await ctx.db
      .selectFrom('personal_access_tokens')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (!token || (token.expires_at !== null && token.expires_at <= now)) throw unauthenticated();
    if (token.last_used_at === null || now - token.last_used_at > TOUCH_MS) {
      await ctx.db
        .updateTable('personal_access_tokens')
        .set({ last_used_at: now })
        .where('id', '=', token.id)
        .execute();
    }
    return actorFor(ctx, token.user_id, null, meta.ipAddress);
  }
  throw unauthenticated();
}

async function actorFor(
  ctx: AppContext,
  userId: number,
  sessionId: number | null,
  ipAddress: string | null,
): Promise<Actor> {
  const user = await ctx.db
    .selectFrom('users')
    .select(['id', 'uuid', 'email', 'admin'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user) throw unauthenticated();
  return {
    userId: user.id,
    userUuid: user.uuid,
    email: user.email,
    admin: user.admin === 1,
    sessionId,
    ipAddress,
  };
}

export async function pruneSessions(ctx: AppContext): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_used_at', '<=', now - IDLE_MS)]))
    .execute();
}
