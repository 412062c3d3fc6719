/** Who is calling the management API, resolved from a bearer token. */
export interface Actor {
  userId: number;
  userUuid: string;
  email: string;
  admin: boolean;
  /** The session behind the token, when it is a session token (log out ends it). */
  sessionId: number | null;
  ipAddress: string | null;
}
