import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Keys } from '../ports.ts';
import { RETURN_PATH_PREFIX } from '../domains/dns-records.ts';

// The envelope sender of outgoing mail: `<server token>+<message id>.<mac>@<domain>`. The server
// token comes first so the edge (and Postal-style parsing, which splits at '+') finds the server
// from the snapshot alone; the message id links a bounce to its message without reading the
// body; the short MAC keeps anyone from forging a bounce for a message id they guessed.

const MAC_LENGTH = 10;

// Derived once per Keys: every outgoing message's return path needs it.
const macKeys = new WeakMap<Keys, Promise<KeyObject>>();

function macKey(keys: Keys): Promise<KeyObject> {
  let key = macKeys.get(keys);
  if (!key) {
    key = keys
      .signingKey()
      .then(({ privateKeyPem }) =>
        createSecretKey(createHash('sha256').update('postern return path\0').update(privateKeyPem).digest()),
      );
    macKeys.set(keys, key);
    key.catch(() => macKeys.delete(keys));
  }
  return key;
}

function mac(key: KeyObject, serverToken: string, messageId: number): string {
  return createHmac('sha256', key).update(`${serverToken}.${messageId}`).digest('hex').slice(0, MAC_LENGTH);
}

export interface ReturnPathDomainInput {
  /** The sending domain, when its `psrp` CNAME checked out. */
  domain: { name: string; returnPathOk: boolean } | null;
  installationReturnPathDomain: string;
}

export function returnPathDomain(input: ReturnPathDomainInput): string {
  return input.domain?.returnPathOk
    ? `${RETURN_PATH_PREFIX}.${input.domain.name}`
    : input.installationReturnPathDomain;
}

export async function returnPathAddress(
  keys: Keys,
  serverToken: string,
  messageId: number,
  domain: string,
): Promise<string> {
  return `${serverToken}+${messageId}.${mac(await macKey(keys), serverToken, messageId)}@${domain}`;
}

/** The message a bounce's recipient names, or null when the local part carries none or a bad MAC. */
export async function messageIdOfReturnPath(
  keys: Keys,
  localPart: string,
): Promise<{ serverToken: string; messageId: number } | null> {
  const match = /^([a-z0-9]+)\+(\d+)\.([0-9a-f]+)$/i.exec(localPart);
  if (!match) return null;
  const [, serverToken = '', id = '', given = ''] = match;
  const messageId = Number(id);
  const expected = mac(await macKey(keys), serverToken, messageId);
  const a = Buffer.from(expected);
  const b = Buffer.from(given.toLowerCase());
  return a.length === b.length && timingSafeEqual(a, b) ? { serverToken, messageId } : null;
}
