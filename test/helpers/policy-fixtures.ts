import { hashSecret } from '../../core/auth/secret-hash.ts';
import { PolicySnapshot, type SnapshotServer } from '../../core/policy/policy-snapshot.ts';

// One organization ('acme'), one server ('mail', token 'abc123') with the verified domain
// example.com, one SMTP credential whose key is SMTP_KEY, and one route support@example.com.

export const HOSTNAME = 'mx.postern.test';
export const RETURN_PATH_DOMAIN = 'rp.postern.test';
export const ROUTE_DOMAIN = 'routes.postern.test';
export const SERVER_ID = 10;
export const SERVER_TOKEN = 'abc123';
export const SMTP_KEY = 'Kx7mQ2pR9sT4vW8yZ3bC6dF1';
export const CREDENTIAL_ID = 100;
export const ROUTE_ID = 200;
export const ROUTE_TOKEN = 'r0ute7ok';

export function testServer(overrides: Partial<SnapshotServer> = {}): SnapshotServer {
  return {
    id: SERVER_ID,
    uuid: '5f2b1c9e-8d4a-4f6b-9a3e-1c2d3e4f5a6b',
    token: SERVER_TOKEN,
    organizationId: 1,
    organizationPermalink: 'acme',
    permalink: 'mail',
    mode: 'Live',
    suspended: false,
    privacyMode: false,
    allowSender: false,
    logSmtpData: false,
    sendLimit: null,
    domains: [{ id: 1000, name: 'example.com', verified: true, useForAny: false, organizationLevel: false }],
    ...overrides,
  };
}

/** A valid snapshot (parsed by the schema), with any top-level part replaced. */
export function testSnapshot(overrides: Partial<PolicySnapshot> = {}): PolicySnapshot {
  return PolicySnapshot.parse({
    version: 1,
    generatedAt: Date.UTC(2026, 10, 25, 12),
    returnPathDomain: RETURN_PATH_DOMAIN,
    routeDomain: ROUTE_DOMAIN,
    hostname: HOSTNAME,
    servers: [testServer()],
    credentials: [
      { id: CREDENTIAL_ID, serverId: SERVER_ID, type: 'SMTP', keyHash: hashSecret(SMTP_KEY), hold: false },
    ],
    ipCredentials: [],
    routes: [
      {
        id: ROUTE_ID,
        serverId: SERVER_ID,
        token: ROUTE_TOKEN,
        domain: 'example.com',
        name: 'support',
        mode: 'Endpoint',
      },
    ],
    ...overrides,
  });
}
