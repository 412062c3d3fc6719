import { hashSecret } from '../../core/auth/secret-hash.ts';
import type { PolicyIndex } from '../../core/policy/policy-index.ts';
import type { SnapshotCredential, SnapshotServer } from '../../core/policy/policy-snapshot.ts';
import { PostalApiError } from './postal-envelope.ts';

// LegacyAPI::BaseController#authenticate_as_server, decided from the policy snapshot rather than
// the database (ARCHITECTURE principle 1): only API credentials count.

export interface ServerAuth {
  server: SnapshotServer;
  credential: SnapshotCredential;
}

export function authenticateServer(index: PolicyIndex | null, key: string | undefined): ServerAuth {
  if (key === undefined || key.trim() === '') {
    throw new PostalApiError('AccessDenied', { message: 'Must be authenticated as a server.' });
  }
  if (!index) {
    throw new PostalApiError('ServiceUnavailable', { message: 'Policy not loaded yet, try again later' });
  }
  // A map lookup on a hash: timing reveals nothing about keys an attacker does not already hold.
  const credential = index.apiCredentialByKeyHash(hashSecret(key));
  const server = credential && index.serverById(credential.serverId);
  if (!credential || !server) {
    throw new PostalApiError('InvalidServerAPIKey', {
      message: 'The API token provided in X-Server-API-Key was not valid.',
      token: key,
    });
  }
  if (server.suspended) throw new PostalApiError('ServerSuspended');
  return { server, credential };
}
