import type MimeNode from 'nodemailer/lib/mime-node';
import { quotedPrintableLines } from './quoted-printable.ts';

// nodemailer writes a compiled message through a pipeline of streams (one per node and
// encoder, AbortControllers, setImmediate between parts), which for a message held in memory
// costs the event loop more than the encoding itself: a fifth of the send API's main thread.
// This writes the same tree in one synchronous pass, as MimeNode#stream and the newline
// transforms after it would (nodemailer's createReadStream: LastNewline, then LeWindows); the
// tests compare the two byte for byte.

const LINE_LENGTH = 76;

/** The message of a compiled tree whose content is all strings and Buffers, with CRLF line ends. */
export function writeMime(root: MimeNode): Buffer {
  const parts: Buffer[] = [];
  writeNode(root, parts);
  return withCrlf(withFinalNewline(Buffer.concat(parts)));
}

function writeNode(node: MimeNode, parts: Buffer[]): void {
  parts.push(Buffer.from(`${node.buildHeaders()}\r\n\r\n`));
  // Building the headers chose the transfer encoding and wrote it into them: read it there, as
  // choosing it again scans the whole content again.
  const transferEncoding = String(node.getHeader('Content-Transfer-Encoding') ?? '').toLowerCase();
  const content = node.content;
  if (content) {
    if (typeof content !== 'string' && !Buffer.isBuffer(content)) {
      throw new TypeError('writeMime takes content held in memory only (a string or a Buffer)');
    }
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    // Quoted-printable is only ever chosen for text/* parts, which nodemailer encodes as text
    // (its `binary` mode is for other types), as encode() does.
    if (transferEncoding === 'base64') parts.push(base64Lines(bytes));
    else if (transferEncoding === 'quoted-printable') {
      parts.push(quotedPrintableLines(bytes));
    } else parts.push(bytes);
  }
  if (node.multipart) {
    node.childNodes.forEach((child, index) => {
      parts.push(Buffer.from(`${index > 0 ? '\r\n' : ''}--${String(node.boundary)}\r\n`));
      writeNode(child, parts);
    });
    parts.push(Buffer.from(`\r\n--${String(node.boundary)}--\r\n`));
  }
}

/** Base64 in lines of 76 characters joined by CRLF, the last without a line end. */
function base64Lines(content: Buffer): Buffer {
  const encoded = Buffer.from(content.toString('base64'), 'latin1');
  const lines = Math.ceil(encoded.length / LINE_LENGTH);
  if (lines <= 1) return encoded;
  const output = Buffer.allocUnsafe(encoded.length + (lines - 1) * 2);
  let to = 0;
  for (let from = 0; from < encoded.length; from += LINE_LENGTH) {
    if (from > 0) to += output.write('\r\n', to, 'latin1');
    to += encoded.copy(output, to, from, Math.min(from + LINE_LENGTH, encoded.length));
  }
  return output;
}

function withFinalNewline(message: Buffer): Buffer {
  const last = message.at(-1);
  if (last === 0x0a) return message;
  return Buffer.concat([message, Buffer.from(last === 0x0d ? '\n' : '\r\n')]);
}

/** Every LF not preceded by CR becomes CRLF. */
function withCrlf(message: Buffer): Buffer {
  let bare = 0;
  for (let at = message.indexOf(0x0a); at !== -1; at = message.indexOf(0x0a, at + 1)) {
    if (at === 0 || message[at - 1] !== 0x0d) bare += 1;
  }
  if (bare === 0) return message;
  const output = Buffer.allocUnsafe(message.length + bare);
  let to = 0;
  let from = 0;
  for (let at = message.indexOf(0x0a); at !== -1; at = message.indexOf(0x0a, at + 1)) {
    if (at > 0 && message[at - 1] === 0x0d) continue;
    to += message.copy(output, to, from, at);
    output[to++] = 0x0d;
    output[to++] = 0x0a;
    from = at + 1;
  }
  message.copy(output, to, from);
  return output;
}
