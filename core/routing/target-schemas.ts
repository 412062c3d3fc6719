import { isIP } from 'node:net';
import { z } from 'zod';
import { invalid } from '../errors.ts';
import { checkTarget } from '../net/target-address.ts';

/** An http or https URL, as HTTP endpoints and webhooks take; userinfo is sent as basic auth. */
export const TargetUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((value) => {
    if (!URL.canParse(value)) return false;
    const { protocol, hostname } = new URL(value);
    return (protocol === 'http:' || protocol === 'https:') && hostname !== '';
  }, 'must be an http or https URL');

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

function isHostName(name: string): boolean {
  if (isIP(name) !== 0) return true;
  const labels = name.split('.');
  // A numeric last label would make resolvers read the name as an IPv4 address (127.1, 0x7f.1).
  return (
    name.length <= 253 && labels.every((label) => LABEL.test(label)) && /^[a-z]/.test(labels.at(-1) ?? '')
  );
}

/** A host to connect to: a DNS name or an IP literal, stored lower case without brackets or a final dot. */
export const TargetHostname = z
  .string()
  .trim()
  .max(255)
  .toLowerCase()
  .transform((value) => value.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, ''))
  .refine(isHostName, 'must be a host name or an IP address');

/** Refuses, with a 400 naming `field`, a host the installation must not connect to. */
export function requireAllowedTarget(allowPrivate: boolean, field: string, host: string): void {
  const check = checkTarget(host, { allowPrivate });
  if (!check.allowed) {
    throw invalid(field, `${check.reason}; this installation does not deliver to private networks`);
  }
}

export const hostOf = (url: string): string => new URL(url).hostname;

/** The URL with any basic-auth password hidden, for the audit log. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password === '') return url;
  parsed.password = 'redacted';
  return parsed.href;
}
