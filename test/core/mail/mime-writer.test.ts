import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { writeMime } from '../../../core/mail/mime-writer.ts';
import { composeMessage, type ComposeInput } from '../../../core/messages/build-message.ts';
import { composeInput } from '../../helpers/compose-input.ts';

const input = (extra: Partial<ComposeInput>) => composeInput({ plainBody: null, ...extra });

const longUnicode = 'Grüße aus Köln, 東京からこんにちは — ✉️ '.repeat(3000);

// Bodies chosen for the edges of each encoding: 7bit, quoted-printable (trailing white space,
// long lines, soft breaks around multi-byte sequences, beyond one 64 KB encoder slice), base64
// (mostly non-ASCII text), bare LF and CR, and attachments of several types and sizes.
const cases: [string, Partial<ComposeInput>][] = [
  ['plain ASCII', { plainBody: 'Plain text.\r\nSecond line.' }],
  ['html only', { htmlBody: '<p>Hello</p>' }],
  ['plain and html', { plainBody: 'Hi', htmlBody: '<p>Hi</p>' }],
  ['empty bodies', {}],
  ['bare LF and CR', { plainBody: 'one\ntwo\rthree\r\n\nfour\n' }],
  ['trailing white space', { plainBody: 'line with space \nline with tab\t\r\nend  ' }],
  ['a line longer than 998', { plainBody: 'x'.repeat(5000) }],
  ['long words and punctuation', { htmlBody: `<p>${'word, another. '.repeat(400)}</p>` }],
  ['mostly non-ASCII (base64)', { plainBody: '東京からこんにちは'.repeat(200) }],
  ['some non-ASCII (quoted-printable)', { plainBody: `Grüße ${'and plain text '.repeat(50)}` }],
  ['beyond one encoder slice', { plainBody: longUnicode, htmlBody: `<div>${longUnicode}</div>` }],
  [
    'non-ASCII headers',
    { subject: 'Grüße – 東京', from: 'Jürgen Müller <app@example.com>', to: ['Zoë <z@example.net>'] },
  ],
  [
    'custom headers and cc',
    {
      plainBody: 'x',
      cc: ['c@example.net', 'D <d@example.net>'],
      replyTo: 'r@example.com',
      sender: 's@example.com',
      headers: [
        ['X-Custom', 'value'],
        ['X-Long', 'word '.repeat(60)],
      ],
    },
  ],
  [
    'attachments',
    {
      plainBody: 'See attached',
      htmlBody: '<p>See attached</p>',
      attachments: [
        { name: 'data.bin', contentType: 'application/octet-stream', data: randomBytes(100_000) },
        { name: 'notes.txt', contentType: 'text/plain', data: Buffer.from('a\nb\r\nc  \n') },
        { name: 'report.csv', contentType: 'text/csv', data: Buffer.from('ä;ö;ü\n'.repeat(2000)) },
        { name: 'empty.txt', contentType: 'text/plain', data: new Uint8Array(0) },
        { name: 'Grüße.pdf', contentType: 'application/pdf', data: randomBytes(57) },
      ],
    },
  ],
];

void describe('writeMime', () => {
  for (const [name, extra] of cases) {
    void it(`writes what nodemailer's own build writes: ${name}`, async () => {
      const tree = composeMessage(input(extra));
      const written = writeMime(tree);
      // The same tree, so the same boundaries: built by nodemailer after the writer has run.
      const built = await tree.build();
      assert.equal(written.length, built.length, 'length');
      assert.ok(written.equals(built), 'bytes');
      assert.ok(writeMime(tree).equals(written), 'writing again gives the same bytes');
    });
  }

  void it('refuses content that is not held in memory', () => {
    const tree = composeMessage(input({ plainBody: 'x' }));
    tree.setContent({ path: '/etc/hostname' });
    assert.throws(() => writeMime(tree), TypeError);
  });
});
