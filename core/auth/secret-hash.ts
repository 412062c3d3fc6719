import { createHash } from 'node:crypto';

/** SHA-256 hex: how API keys, SMTP keys, session tokens and access tokens are stored. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
