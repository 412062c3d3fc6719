import { signMessageOffThread } from '../dkim/dkim-signer.ts';
import { dkimSelector } from '../domains/dns-records.ts';
import type { RawHeader } from '../mail/header-block.ts';
import { sendingDomain, type ProcessState } from './process-state.ts';

// The message as it leaves: the stored raw message with `X-Postal-MsgID` and a DKIM signature in
// front (Postal §4.3 step 7). Prepared once per message and kept in the blob store, so retries
// and the delivery worker (which has no database and no keys) send the same bytes.

export const preparedKey = (messageId: number): string => `prepared/${messageId}.eml`;

export interface PreparedMessage {
  key: string;
  /** Whether the headers or addresses need SMTPUTF8 (8-bit header bytes). */
  needsSmtputf8: boolean;
}

/** `headers` are the raw message's, as parseHeaderBlock read them. */
export async function prepareMessage(
  state: ProcessState,
  raw: Uint8Array,
  headers: readonly RawHeader[],
): Promise<PreparedMessage> {
  const { ctx, message } = state;
  const key = preparedKey(message.id);
  const needsSmtputf8 = hasEightBitHeaders(raw) || /[^\x00-\x7f]/.test(message.rcpt_to + message.mail_from);
  const existing = await ctx.blobs.get(key);
  if (existing && existing !== 'not-modified') return { key, needsSmtputf8 };
  const withId = headers.some((header) => header.name === 'x-postal-msgid')
    ? raw
    : Buffer.concat([Buffer.from(`X-Postal-MsgID: ${message.token}\r\n`), raw]);
  const signed = await signMessageOffThread(withId, await signingIdentity(state));
  await ctx.blobs.put(key, signed, { contentType: 'message/rfc822' });
  return { key, needsSmtputf8 };
}

/** The sending domain's key when its DKIM record checks out; else the installation's key on the return-path domain. */
async function signingIdentity(state: ProcessState) {
  const { ctx, message, memo } = state;
  const timestamp = Math.floor(ctx.clock.now() / 1000);
  const domain = await sendingDomain(state, message.domain_id);
  if (domain && domain.dkim_status === 'OK') {
    return {
      domain: domain.name,
      selector: dkimSelector(ctx.installation, domain.dkim_identifier_string),
      privateKeyPem: await memo.get(`dkim-key:${message.domain_id}`, () =>
        ctx.keys.decrypt(domain.dkim_private_key),
      ),
      timestamp,
    };
  }
  const installationKey = await ctx.keys.signingKey();
  return {
    domain: ctx.installation.returnPathDomain,
    selector: ctx.installation.dkimIdentifier,
    privateKeyPem: installationKey.privateKeyPem,
    timestamp,
  };
}

function hasEightBitHeaders(raw: Uint8Array): boolean {
  for (let i = 0; i < raw.length; i += 1) {
    const byte = raw[i] ?? 0;
    if (byte === 0x0a && (raw[i + 1] === 0x0a || (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a))) return false;
    if (byte > 0x7f) return true;
  }
  return false;
}
