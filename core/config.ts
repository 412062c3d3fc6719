import { resolve } from 'node:path';
import { z } from 'zod';
import { DeclaredIpPoolsJson, type DeclaredIpPools } from './ip-pools/ip-pool-schemas.ts';

// The environment, parsed once at a composition root. Core never reads process.env itself.

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const port = z.coerce.number().int().min(0).max(65535);

const list = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  )
  .default([]);

const hostname = z
  .string()
  .regex(/^[a-z0-9.-]+$/i, 'must be a host name')
  .transform((value) => value.toLowerCase());

export const EnvironmentSchema = z.object({
  POSTERN_DATA_DIR: z.string().default('./.postern'),
  POSTERN_DATABASE_URL: z.string().optional(),
  POSTERN_HTTP_PORT: port.default(8080),
  POSTERN_HTTP_HOST: z.string().default('127.0.0.1'),
  POSTERN_SMTP_PORT: port.default(2525),
  POSTERN_SMTPS_PORT: port.default(4465),
  POSTERN_SMTP_HOST: z.string().default('0.0.0.0'),
  POSTERN_HOSTNAME: hostname.default('postern.localhost'),
  POSTERN_RETURN_PATH_DOMAIN: hostname.optional(),
  POSTERN_ROUTE_DOMAIN: hostname.optional(),
  POSTERN_TRACK_DOMAIN: hostname.optional(),
  POSTERN_SPF_INCLUDE: hostname.optional(),
  POSTERN_MX_HOSTS: list,
  POSTERN_DKIM_IDENTIFIER: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .default('postern'),
  POSTERN_SMTP_RELAYS: list,
  POSTERN_DNS_SERVERS: list,
  POSTERN_DELIVERY_PORT: port.default(25),
  POSTERN_ALLOW_PRIVATE_TARGETS: booleanString.default(true),
  POSTERN_TLS_CERT_FILE: z.string().optional(),
  POSTERN_TLS_KEY_FILE: z.string().optional(),
  POSTERN_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  POSTERN_PUBLIC_URL: z.string().url().optional(),
  /** JSON: the IP pools this deployment declares (ARCHITECTURE principle 4). */
  POSTERN_IP_POOLS: z.string().optional(),
  /** Local only: one visibility timeout for every queue, so work of a crashed process returns sooner. */
  POSTERN_VISIBILITY_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(43_200).optional(),
});

export type Environment = z.infer<typeof EnvironmentSchema>;

/** The installation's names: what DNS records shown to users contain, and what the edge accepts. */
export const InstallationSchema = z.object({
  hostname: z.string(),
  returnPathDomain: z.string(),
  routeDomain: z.string(),
  trackDomain: z.string(),
  spfInclude: z.string(),
  mxHosts: z.array(z.string()),
  dkimIdentifier: z.string(),
  publicUrl: z.string(),
});
export type Installation = z.infer<typeof InstallationSchema>;

export interface LocalConfig {
  dataDir: string;
  databaseUrl: string;
  httpHost: string;
  httpPort: number;
  smtpHost: string;
  smtpPort: number;
  smtpsPort: number;
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  dnsServers: string[];
  smtpRelays: string[];
  deliveryPort: number;
  allowPrivateTargets: boolean;
  logLevel: Environment['POSTERN_LOG_LEVEL'];
  installation: Installation;
  ipPools: DeclaredIpPools;
  visibilityTimeoutSeconds: number | undefined;
}

export function installationFrom(env: Environment): Installation {
  const host = env.POSTERN_HOSTNAME;
  return {
    hostname: host,
    returnPathDomain: env.POSTERN_RETURN_PATH_DOMAIN ?? `rp.${host}`,
    routeDomain: env.POSTERN_ROUTE_DOMAIN ?? `routes.${host}`,
    trackDomain: env.POSTERN_TRACK_DOMAIN ?? `track.${host}`,
    spfInclude: env.POSTERN_SPF_INCLUDE ?? `spf.${host}`,
    mxHosts: env.POSTERN_MX_HOSTS.length > 0 ? env.POSTERN_MX_HOSTS : [`mx.${host}`],
    dkimIdentifier: env.POSTERN_DKIM_IDENTIFIER,
    publicUrl: env.POSTERN_PUBLIC_URL ?? `http://localhost:${env.POSTERN_HTTP_PORT}`,
  };
}

/**
 * Locally, one pool that leaves from whatever address the system picks (0.0.0.0 binds nothing),
 * named after the host; a deployment with fixed sending addresses declares its own.
 */
function defaultIpPools(hostname: string): DeclaredIpPools {
  return [{ name: 'default', default: true, addresses: [{ ipv4: '0.0.0.0', hostname }] }];
}

function parseIpPools(json: string): DeclaredIpPools {
  const parsed = DeclaredIpPoolsJson.safeParse(json);
  if (!parsed.success) {
    throw new z.ZodError(
      parsed.error.issues.map((issue) => ({ ...issue, path: ['POSTERN_IP_POOLS', ...issue.path] })),
    );
  }
  return parsed.data;
}

export function localConfigFrom(env: Environment): LocalConfig {
  const dataDir = resolve(env.POSTERN_DATA_DIR);
  return {
    dataDir,
    databaseUrl: env.POSTERN_DATABASE_URL ?? `sqlite:${resolve(dataDir, 'postern.db')}`,
    httpHost: env.POSTERN_HTTP_HOST,
    httpPort: env.POSTERN_HTTP_PORT,
    smtpHost: env.POSTERN_SMTP_HOST,
    smtpPort: env.POSTERN_SMTP_PORT,
    smtpsPort: env.POSTERN_SMTPS_PORT,
    tlsCertFile: env.POSTERN_TLS_CERT_FILE,
    tlsKeyFile: env.POSTERN_TLS_KEY_FILE,
    dnsServers: env.POSTERN_DNS_SERVERS,
    smtpRelays: env.POSTERN_SMTP_RELAYS,
    deliveryPort: env.POSTERN_DELIVERY_PORT,
    allowPrivateTargets: env.POSTERN_ALLOW_PRIVATE_TARGETS,
    logLevel: env.POSTERN_LOG_LEVEL,
    installation: installationFrom(env),
    visibilityTimeoutSeconds: env.POSTERN_VISIBILITY_TIMEOUT_SECONDS,
    ipPools:
      env.POSTERN_IP_POOLS === undefined
        ? defaultIpPools(env.POSTERN_HOSTNAME)
        : parseIpPools(env.POSTERN_IP_POOLS),
  };
}
