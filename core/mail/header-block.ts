import libmime from 'libmime';

// The header section of a raw message (RFC 5322 §2.2): everything up to the first empty line,
// with folded lines joined. Values keep their bytes (latin1 code points) so nothing is lost;
// `decoded` gives the readable form.

export interface RawHeader {
  /** Lower-cased. */
  name: string;
  /** Unfolded, in latin1: one code point per byte, as received. */
  value: string;
}

/** Offset of the blank line ending the header section, and the length of that separator. */
export function headerSectionEnd(text: string): { index: number; separator: number } | null {
  const match = /\r?\n\r?\n/.exec(text);
  return match ? { index: match.index, separator: match[0].length } : null;
}

export function parseHeaderBlock(raw: Uint8Array | string): RawHeader[] {
  const text =
    typeof raw === 'string'
      ? raw
      : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  const end = headerSectionEnd(text);
  const section = end === null ? text : text.slice(0, end.index);
  const headers: RawHeader[] = [];
  for (const line of section.split(/\r?\n/)) {
    const last = headers.at(-1);
    if (/^[ \t]/.test(line) && last) {
      last.value += line;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push({ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1) });
  }
  return headers;
}

/** The readable value: UTF-8 bytes decoded, RFC 2047 encoded words decoded, outer spaces trimmed. */
export function decodedValue(header: RawHeader): string {
  const utf8 = Buffer.from(header.value, 'latin1').toString('utf8');
  try {
    return libmime.decodeWords(utf8).trim();
  } catch {
    return utf8.trim();
  }
}

/** The decoded values of every header called `name`, in message order. */
export function headerValues(headers: readonly RawHeader[], name: string): string[] {
  const wanted = name.toLowerCase();
  return headers.filter((header) => header.name === wanted).map(decodedValue);
}
