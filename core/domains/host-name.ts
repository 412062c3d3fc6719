import { domainToASCII } from 'node:url';

const MAX_NAME = 253;
const MAX_LABEL = 63;
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

export type HostNameResult = { ok: true; name: string } | { ok: false; reason: string };

/**
 * A host name as DNS stores it: lower case, unicode labels in punycode (Postal converts them
 * too), one trailing dot dropped, labels of a-z, 0-9 and inner dashes.
 */
export function parseHostName(input: string, options: { requireDot: boolean }): HostNameResult {
  const trimmed = input.trim().replace(/\.$/, '');
  // Only non-ASCII input goes through the URL host parser: it would also percent-decode ASCII.
  const name = /[^\x00-\x7f]/.test(trimmed) ? domainToASCII(trimmed) : trimmed.toLowerCase();
  if (name === '') return { ok: false, reason: 'not a valid domain name' };
  if (name.length > MAX_NAME) return { ok: false, reason: `at most ${MAX_NAME} characters` };
  const labels = name.split('.');
  if (options.requireDot && labels.length < 2) return { ok: false, reason: 'must contain a dot' };
  for (const label of labels) {
    if (label.length === 0) return { ok: false, reason: 'has an empty label' };
    if (label.length > MAX_LABEL) return { ok: false, reason: `labels are at most ${MAX_LABEL} characters` };
    if (!LABEL.test(label)) {
      return { ok: false, reason: 'only letters, digits, dots and inner dashes are allowed' };
    }
  }
  if (labels.length > 1 && /^\d+$/.test(labels.at(-1) ?? '')) {
    return { ok: false, reason: 'an IP address is not a domain name' };
  }
  return { ok: true, name };
}
