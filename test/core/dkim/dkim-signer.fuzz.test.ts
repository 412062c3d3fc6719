import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { relaxedBody, signMessage } from '../../../core/dkim/dkim-signer.ts';
import { generateDkimKey } from '../../../core/domains/dkim-key.ts';
import { verifyDkim, type PublishedKey } from './mailauth-verify.ts';

/** relaxed body canonicalization written straight from RFC 6376 §3.4.4, line by line (latin1). */
function referenceRelaxedBody(body: string): string {
  const lines = body.split('\r\n').map((line) => line.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  let text = lines.join('\r\n');
  while (text.endsWith('\r\n')) text = text.slice(0, -2);
  return text === '' ? '' : `${text}\r\n`;
}

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

// Bytes a body is made of: text, every kind of whitespace and line break, and 8-bit bytes that
// are and are not UTF-8.
const bodyPiece = fc.constantFrom(
  'a',
  'word',
  ' ',
  '  ',
  '\t',
  ' \t ',
  '\r\n',
  '\n',
  '\r',
  'é',
  'ü',
  '😀',
  '\xff',
  '\x80',
  '.',
  '--',
  ':',
);
const body = fc
  .array(bodyPiece, { maxLength: 120 })
  .map((pieces) =>
    Buffer.concat(
      pieces.map((p) => Buffer.from(p, /[\x80-\xff]/.test(p) && p.length === 1 ? 'latin1' : 'utf8')),
    ),
  );

// Header values: words (ASCII and UTF-8) joined by whitespace or by a fold, also right after the colon.
const word = fc.oneof(
  fc.stringMatching(/^[!-~]{1,12}$/),
  fc.constantFrom('Grüße', 'naïve', '你好', '🚀', '<a@example.com>', '=?utf-8?q?x?=', '"quoted"'),
);
const gap = fc.constantFrom(' ', '  ', '\t', ' \t', '\r\n ', '\r\n\t', '\n ', '\n\t  ', ' \r\n ');
const headerValue = fc
  .tuple(
    fc.constantFrom('', ' ', '  ', '\t', '\r\n '),
    fc.array(fc.tuple(word, gap), { maxLength: 6 }),
    word,
    fc.constantFrom('', ' ', '\t'),
  )
  .map(([lead, pairs, last, trail]) => lead + pairs.map(([w, g]) => w + g).join('') + last + trail);
const casing = (name: string) =>
  fc.constantFrom(
    name,
    name.toUpperCase(),
    name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase()),
  );
const headerName = fc.oneof(
  fc
    .constantFrom('to', 'cc', 'subject', 'date', 'message-id', 'reply-to', 'references', 'list-unsubscribe')
    .chain(casing),
  fc.constantFrom('content-type', 'mime-version', 'resent-to', 'in-reply-to', 'sender').chain(casing),
  fc.constantFrom('X-Custom', 'Received', 'X-Mailer', 'Return-Path', 'Content-ID'),
);
const message = fc
  .record({
    before: fc.array(fc.tuple(headerName, headerValue), { maxLength: 8 }),
    from: headerValue,
    after: fc.array(fc.tuple(headerName, headerValue), { maxLength: 8 }),
    eol: fc.constantFrom('\r\n', '\n'),
    body: fc.option(body, { nil: undefined }),
  })
  .map(({ before, from, after, eol, body }) => {
    const fields = [...before, ['From', from] as const, ...after].map(
      ([name, value]) => `${name}:${value}${eol}`,
    );
    // One From field: mailauth (rightly) refuses to judge a message with several.
    return Buffer.concat([
      Buffer.from(fields.join('')),
      ...(body === undefined ? [] : [Buffer.from(eol), body]),
    ]);
  });

describe('DKIM signing (properties)', () => {
  let key: PublishedKey;
  before(async () => {
    key = { domain: 'example.com', selector: 'postern-fuzz', privateKeyPem: await generateDkimKey() };
  });

  it('relaxedBody agrees with a line-by-line reading of RFC 6376 §3.4.4', () => {
    fc.assert(
      fc.property(body, (bytes) => {
        assert.equal(latin1(relaxedBody(bytes)), referenceRelaxedBody(latin1(bytes)));
      }),
      { numRuns: 3000 },
    );
  });

  it('whatever the headers and the body, mailauth verifies the signature', async () => {
    await fc.assert(
      fc.asyncProperty(message, fc.integer({ min: 0, max: 2 ** 32 }), async (raw, timestamp) => {
        const outcome = await verifyDkim(signMessage(raw, { ...key, timestamp }), [key]);
        assert.deepEqual(outcome.results, ['pass'], `${outcome.details}\n${JSON.stringify(latin1(raw))}`);
      }),
      { numRuns: 300 },
    );
  });
});
