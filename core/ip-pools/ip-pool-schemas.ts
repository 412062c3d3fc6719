import { z } from 'zod';
import { IsoTime, Uuid, bool, isoTime } from '../management/view-helpers.ts';
import type { Row } from '../db/schema.ts';

/** A DNS name: what an address's HELO and PTR carry, and what a rule's domain condition names. */
export const HostName = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/,
    'must be a host name',
  );

export const IpAddressView = z.object({
  ipv4: z.string().nullable(),
  ipv6: z.string().nullable(),
  /** Used as HELO; should match the address's PTR record. */
  hostname: z.string(),
  /** 0–100: the weight of this address when one is chosen at random. */
  priority: z.number(),
});
export type IpAddressView = z.infer<typeof IpAddressView>;

export const IpPoolView = z.object({
  uuid: Uuid,
  name: z.string(),
  /** Attached to every new organization. */
  default: z.boolean(),
  addresses: z.array(IpAddressView),
  created_at: IsoTime,
  updated_at: IsoTime,
});
export type IpPoolView = z.infer<typeof IpPoolView>;

export const AssignIpPoolsInput = z.object({ pools: z.array(Uuid).max(100) }).strict();
export type AssignIpPoolsInput = z.infer<typeof AssignIpPoolsInput>;

const DeclaredIpAddress = z
  .object({
    ipv4: z.ipv4().optional(),
    ipv6: z.ipv6().optional(),
    hostname: HostName,
    priority: z.number().int().min(0).max(100).default(100),
  })
  .strict()
  .refine((address) => address.ipv4 !== undefined || address.ipv6 !== undefined, {
    message: 'an address needs an ipv4 or an ipv6',
    path: ['ipv4'],
  });

const DeclaredIpPool = z
  .object({
    // Pool names also name delivery queues (`deliver-<pool>`), so they keep to queue-safe characters.
    name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'only lower-case letters, digits and dashes'),
    default: z.boolean().default(false),
    addresses: z.array(DeclaredIpAddress).min(1),
  })
  .strict();

/** The pools a deployment declares; each address belongs to one pool only, as in Postal. */
export const DeclaredIpPools = z.array(DeclaredIpPool).superRefine((pools, ctx) => {
  const names = new Set<string>();
  const ips = new Set<string>();
  pools.forEach((pool, p) => {
    if (names.has(pool.name)) ctx.addIssue({ code: 'custom', path: [p, 'name'], message: 'declared twice' });
    names.add(pool.name);
    pool.addresses.forEach((address, a) => {
      for (const family of ['ipv4', 'ipv6'] as const) {
        const ip = address[family];
        if (ip === undefined) continue;
        if (ips.has(ip)) {
          ctx.addIssue({ code: 'custom', path: [p, 'addresses', a, family], message: 'declared twice' });
        }
        ips.add(ip);
      }
    });
  });
});
export type DeclaredIpPools = z.input<typeof DeclaredIpPools>;

/** `POSTERN_IP_POOLS`: the declared pools as JSON text. */
export const DeclaredIpPoolsJson = z
  .string()
  .transform((text, ctx): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
      return z.NEVER;
    }
  })
  .pipe(DeclaredIpPools);

export function ipPoolView(pool: Row<'ip_pools'>, addresses: readonly Row<'ip_addresses'>[]): IpPoolView {
  return {
    uuid: pool.uuid,
    name: pool.name,
    default: bool(pool.is_default),
    addresses: addresses.map((address) => ({
      ipv4: address.ipv4,
      ipv6: address.ipv6,
      hostname: address.hostname,
      priority: address.priority,
    })),
    created_at: isoTime(pool.created_at),
    updated_at: isoTime(pool.updated_at),
  };
}
