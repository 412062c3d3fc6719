import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encode, wrap } from 'nodemailer/lib/qp';
import { quotedPrintableLines } from '../../../core/mail/quoted-printable.ts';

// quotedPrintableLines must write exactly what nodemailer's encode() then wrap(…, 76) write, which
// the MIME writer's byte-for-byte tests against nodemailer's own build rely on.

const nodemailer = (bytes: Uint8Array) => Buffer.from(wrap(encode(Buffer.from(bytes)), 76), 'latin1');

// Bytes that exercise every rule of wrap(): line breaks (CRLF, lone CR and LF), spaces and
// punctuation it breaks after, '=' and hex digits, and UTF-8 sequences it must not split.
const pieces = fc.oneof(
  fc.constantFrom(
    '\r\n',
    '\n',
    '\r',
    ' ',
    '\t',
    '.',
    ',',
    '!',
    '?',
    '=',
    'A',
    'f',
    '3',
    'é',
    '€',
    '😀',
    'x'.repeat(70),
  ),
  fc.string({ maxLength: 12 }),
  fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  // Lead and continuation bytes of UTF-8 sequences, whole and broken, where a line may end.
  fc
    .constantFrom(
      [0xc0],
      [0xc1, 0x80],
      [0xdf, 0xbf],
      [0xe2, 0x82, 0xac],
      [0xf0, 0x9f, 0x98, 0x80],
      [0x80],
      [0xbf],
    )
    .map((bytes) => Buffer.from(bytes).toString('latin1')),
);
const messages = fc.array(pieces, { maxLength: 60 }).map((parts) => {
  const chunks = parts.map((part) =>
    /[\u0080-\u00ff]/.test(part) && !/[^\u0000-\u00ff]/.test(part)
      ? Buffer.from(part, 'latin1')
      : Buffer.from(part),
  );
  return new Uint8Array(Buffer.concat(chunks));
});

void describe('quotedPrintableLines', () => {
  void it("writes what nodemailer's encode() and wrap() write, for any bytes", () => {
    fc.assert(
      fc.property(messages, (bytes) => {
        assert.equal(quotedPrintableLines(bytes).toString('latin1'), nodemailer(bytes).toString('latin1'));
      }),
      { numRuns: 5000 },
    );
  });

  void it('matches on long lines of text, words and encoded bytes', () => {
    for (const text of [
      'x'.repeat(5120),
      'Grüße aus Köln, '.repeat(200),
      `${'word '.repeat(400)}\r\n${'€'.repeat(300)}`,
      '==='.repeat(100),
      ' \t'.repeat(90),
    ]) {
      const bytes = Buffer.from(text);
      assert.equal(quotedPrintableLines(bytes).toString('latin1'), nodemailer(bytes).toString('latin1'));
    }
  });
});
