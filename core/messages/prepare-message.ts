import type { AppContext } from '../context.ts';
import type { Row } from '../db/schema.ts';
import { signMessageOffThread } from '../dkim/dkim-signer.ts';
import { dkimSelector } from '../domains/dns-records.ts';
import { parseHeaderBlock } from '../mail/header-block.ts';

// The message as it leaves: the stored raw message with `X-Postal-MsgID` and a DKIM signature in
// front (Postal §4.3 step 7). Prepared once per message and kept in the blob store, so retries
// and the delivery worker (which has no database and no keys) send the same bytes.

export const preparedKey = (messageId: number): string => `prepared/${messageId}.eml`;

export interface PreparedMessage {
  key: string;
  /** Whether the headers or addresses need SMTPUTF8 (8-bit header bytes). */
  needsSmtputf8: boolean;
}

export async function prepareMessage(
  ctx: AppContext,
  message: Row<'messages'>,
  raw: Uint8Array,
): Promise<PreparedMessage> {
  const key = preparedKey(message.id);
  const needsSmtputf8 = hasEightBitHeaders(raw) || /[^\x00-\x7f]/.test(message.rcpt_to + message.mail_from);
  const existing = await ctx.blobs.get(key);
  if (existing && existing !== 'not-modified') return { key, needsSmtputf8 };
  const headers = parseHeaderBlock(raw);
  const withId = headers.some((header) => header.name === 'x-postal-msgid')
    ? raw
    : Buffer.concat([Buffer.from(`X-Postal-MsgID: ${message.token}\r\n`), raw]);
  const signed = await signMessageOffThread(withId, await signingIdentity(ctx, message));
  await ctx.blobs.put(key, signed, { contentType: 'message/rfc822' });
  return { key, needsSmtputf8 };
}

/** The sending domain's key when its DKIM record checks out; else the installation's key on the return-path domain. */
async function signingIdentity(ctx: AppContext, message: Row<'messages'>) {
  const timestamp = Math.floor(ctx.clock.now() / 1000);
  const domain =
    message.domain_id === null
      ? undefined
      : await ctx.db
          .selectFrom('domains')
          .select(['name', 'dkim_status', 'dkim_private_key', 'dkim_identifier_string'])
          .where('id', '=', message.domain_id)
          .executeTakeFirst();
  if (domain && domain.dkim_status === 'OK') {
    return {
      domain: domain.name,
      selector: dkimSelector(ctx.installation, domain.dkim_identifier_string),
      privateKeyPem: await ctx.keys.decrypt(domain.dkim_private_key),
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
