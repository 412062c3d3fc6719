import addressparser from 'nodemailer/lib/addressparser';
import { headerValues, type RawHeader } from '../mail/header-block.ts';
import type { SenderHeaders } from '../policy/sender-authorization.ts';

// What the API reads from a message's header block without parsing its body: the From and
// Sender addresses for the sender rule, and the Subject and Message-ID as the message row
// stores them (ingest.ts derives them the same way).

/**
 * Bare addresses of every From and Sender header, for authorizeSender. Parsed before encoded
 * words are decoded: a decoded display name may hold a comma that would split the address list.
 */
export function senderHeadersOf(headers: readonly RawHeader[]): SenderHeaders {
  const addresses = (name: string): string[] =>
    headers
      .filter((header) => header.name === name)
      .flatMap((header) =>
        addressparser(Buffer.from(header.value, 'latin1').toString('utf8'), { flatten: true }).map(
          (entry) => entry.address,
        ),
      );
  return { from: addresses('from'), sender: addresses('sender') };
}

/** The first Message-ID without its angle brackets, or null when there is none. */
export function storedMessageId(headers: readonly RawHeader[]): string | null {
  return headerValues(headers, 'message-id')[0]?.replace(/^<|>$/g, '').slice(0, 255) || null;
}

/** The first Subject, decoded. */
export function storedSubject(headers: readonly RawHeader[]): string | null {
  return headerValues(headers, 'subject')[0]?.slice(0, 255) ?? null;
}
