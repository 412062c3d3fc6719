import { z } from 'zod';

// Everything the edge needs to accept or refuse mail without the database (ARCHITECTURE
// principle 1). Rebuilt in full on every change that affects acceptance, with a rising version.

export const SnapshotDomain = z.object({
  id: z.number(),
  name: z.string(),
  verified: z.boolean(),
  useForAny: z.boolean(),
  /** An organization-level domain, shared by the organization's servers. */
  organizationLevel: z.boolean(),
});

export const SnapshotServer = z.object({
  id: z.number(),
  uuid: z.string(),
  token: z.string(),
  organizationId: z.number(),
  organizationPermalink: z.string(),
  permalink: z.string(),
  mode: z.enum(['Live', 'Development']),
  /** The server or its organization is suspended. */
  suspended: z.boolean(),
  privacyMode: z.boolean(),
  allowSender: z.boolean(),
  logSmtpData: z.boolean(),
  sendLimit: z.number().nullable(),
  /** Verified domains the server may send from: its own, then its organization's. */
  domains: z.array(SnapshotDomain),
});

export const SnapshotCredential = z.object({
  id: z.number(),
  serverId: z.number(),
  type: z.enum(['API', 'SMTP']),
  /** SHA-256 hex of the key. */
  keyHash: z.string(),
  hold: z.boolean(),
});

export const SnapshotIpCredential = z.object({
  id: z.number(),
  serverId: z.number(),
  /** An address or CIDR, IPv4 or IPv6. */
  network: z.string(),
  hold: z.boolean(),
});

export const SnapshotRoute = z.object({
  id: z.number(),
  serverId: z.number(),
  token: z.string(),
  /** null for the `__returnpath__` route, which has no domain. */
  domain: z.string().nullable(),
  name: z.string(),
  mode: z.enum(['Endpoint', 'Accept', 'Hold', 'Bounce', 'Reject']),
});

export const PolicySnapshot = z.object({
  version: z.number().int().positive(),
  generatedAt: z.number(),
  returnPathDomain: z.string(),
  routeDomain: z.string(),
  hostname: z.string(),
  servers: z.array(SnapshotServer),
  credentials: z.array(SnapshotCredential),
  ipCredentials: z.array(SnapshotIpCredential),
  routes: z.array(SnapshotRoute),
});

export type PolicySnapshot = z.infer<typeof PolicySnapshot>;
export type SnapshotServer = z.infer<typeof SnapshotServer>;
export type SnapshotCredential = z.infer<typeof SnapshotCredential>;
export type SnapshotIpCredential = z.infer<typeof SnapshotIpCredential>;
export type SnapshotRoute = z.infer<typeof SnapshotRoute>;

/** Where the snapshot lives in the blob store. */
export const POLICY_SNAPSHOT_KEY = 'policy/snapshot.json';
