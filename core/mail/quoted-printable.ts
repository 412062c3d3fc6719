// Quoted-printable (RFC 2045 §6.7) as nodemailer writes it, byte for byte: its encode() followed
// by its wrap() at 76 characters, which the MIME writer used to call. wrap() works on strings with
// regular expressions and substrings and made a third of the send API's allocations; this does the
// same on the encoded bytes, finding each line's end by index. A property test holds the two equal.

const LINE_LENGTH = 76;
// wrap() looks back this far for a place to break a line: a line break, a space or punctuation.
const MARGIN = Math.floor(LINE_LENGTH / 3);

const CR = 0x0d;
const LF = 0x0a;
const EQUALS = 0x3d;
const HEX = Buffer.from('0123456789ABCDEF', 'latin1');
const SOFT_BREAK = Buffer.from('=\r\n', 'latin1');

// Bytes written as they are: tab, LF, CR, and printable ASCII but '='.
const LITERAL = new Uint8Array(256);
for (let byte = 0; byte < 256; byte += 1) {
  LITERAL[byte] =
    byte === 0x09 || byte === LF || byte === CR || (byte >= 0x20 && byte <= 0x7e && byte !== EQUALS) ? 1 : 0;
}
// Where wrap() prefers to break a long line: after a space, tab or punctuation.
const BREAK_AFTER = new Set([0x20, 0x09, 0x2e, 0x2c, 0x21, 0x3f]);

/** `bytes` quoted-printable encoded, in lines of at most 76 characters joined by soft breaks. */
export function quotedPrintableLines(bytes: Uint8Array): Buffer {
  return wrapLines(encode(bytes));
}

/** nodemailer's encode(): whitespace before a line break or the end is encoded too. */
function encode(bytes: Uint8Array): Buffer {
  const output = Buffer.allocUnsafe(bytes.length * 3);
  let to = 0;
  for (let at = 0; at < bytes.length; at += 1) {
    const byte = bytes[at]!;
    const next = bytes[at + 1];
    const trailingSpace =
      (byte === 0x20 || byte === 0x09) && (next === undefined || next === LF || next === CR);
    if (LITERAL[byte] && !trailingSpace) {
      output[to++] = byte;
    } else {
      output[to++] = EQUALS;
      output[to++] = HEX[byte >> 4]!;
      output[to++] = HEX[byte & 0x0f]!;
    }
  }
  return output.subarray(0, to);
}

const isHex = (byte: number | undefined): boolean =>
  byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66));

/** The value of the two hex digits at `at`. */
const hexValue = (text: Buffer, at: number): number => parseInt(text.toString('latin1', at, at + 2), 16);

/** Whether text[start, end) ends with a complete =XX sequence. */
const endsWithEscape = (text: Buffer, start: number, end: number): boolean =>
  end - start >= 3 && text[end - 3] === EQUALS && isHex(text[end - 2]) && isHex(text[end - 1]);

/** Whether text[start, end) ends with '=' and one hex digit: an escape cut after its first digit. */
const cutEscape = (text: Buffer, start: number, end: number): boolean =>
  end - start >= 2 && text[end - 2] === EQUALS && isHex(text[end - 1]);

/** Whether text[start, end) is one to four =XX sequences and nothing else. */
function onlyEscapes(text: Buffer, start: number, end: number): boolean {
  const length = end - start;
  if (length % 3 !== 0 || length < 3 || length > 12) return false;
  for (let at = start; at < end; at += 3) {
    if (text[at] !== EQUALS || !isHex(text[at + 1]) || !isHex(text[at + 2])) return false;
  }
  return true;
}

/** nodemailer's wrap(text, 76), on bytes: the length of the next line to take from `pos`. */
function nextLine(text: Buffer, pos: number): { end: number; soft: boolean } {
  const length = text.length;
  let end = Math.min(pos + LINE_LENGTH, length);
  // A CRLF in the line ends it there; so does a line ending in LF.
  for (let at = pos; at + 1 < end; at += 1) {
    if (text[at] === CR && text[at + 1] === LF) return { end: at + 2, soft: false };
  }
  if (text[end - 1] === LF) return { end, soft: false };
  const tailStart = Math.max(pos, end - MARGIN);
  // An LF near the end, with no CR after it: the line ends after it.
  const lastLf = text.lastIndexOf(LF, end - 1);
  if (lastLf >= tailStart) {
    const cr = text.indexOf(CR, lastLf + 1);
    if (cr === -1 || cr >= end) return { end: lastLf + 1, soft: false };
  }
  let breakAt = -1;
  if (end - pos > LINE_LENGTH - MARGIN) {
    for (let at = end - 1; at >= tailStart; at -= 1) {
      if (BREAK_AFTER.has(text[at]!)) {
        breakAt = at;
        break;
      }
    }
  }
  if (breakAt !== -1) {
    end = breakAt + 1;
  } else if (text[end - 1] === EQUALS || cutEscape(text, pos, end) || endsWithEscape(text, pos, end)) {
    // An escape cut short goes to the next line whole.
    if (text[end - 1] === EQUALS) end -= 1;
    else if (cutEscape(text, pos, end)) end -= 2;
    // So does the start of a UTF-8 sequence, with what followed it on this line.
    while (end - pos > 3 && end < length && !onlyEscapes(text, pos, end) && endsWithEscape(text, pos, end)) {
      const code = hexValue(text, end - 2);
      if (code < 0x80) break;
      end -= 3;
      if (code >= 0xc0) break;
    }
  }
  if (end === pos) end = Math.min(pos + LINE_LENGTH, length);
  if (end < length && text[end - 1] !== LF) {
    if (end - pos === LINE_LENGTH) end -= endsWithEscape(text, pos, end) ? 3 : 1;
    return { end, soft: true };
  }
  return { end, soft: false };
}

function wrapLines(text: Buffer): Buffer {
  if (text.length <= LINE_LENGTH) return text;
  const lines: { end: number; soft: boolean }[] = [];
  let size = 0;
  for (let pos = 0; pos < text.length;) {
    const line = nextLine(text, pos);
    lines.push(line);
    size += line.end - pos + (line.soft ? SOFT_BREAK.length : 0);
    pos = line.end;
  }
  const output = Buffer.allocUnsafe(size);
  let to = 0;
  let pos = 0;
  for (const { end, soft } of lines) {
    to += text.copy(output, to, pos, end);
    if (soft) to += SOFT_BREAK.copy(output, to);
    pos = end;
  }
  return output;
}
