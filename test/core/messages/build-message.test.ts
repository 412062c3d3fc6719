import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { apiReceivedHeader, buildMessage } from '../../../core/messages/build-message.ts';
import { COMPOSED_AT, composeInput } from '../../helpers/compose-input.ts';

const NOW = COMPOSED_AT;
const input = composeInput;

const headerNames = (raw: Buffer): string[] => {
  const text = raw.toString();
  return text
    .slice(0, text.indexOf('\r\n\r\n'))
    .split(/\r\n(?![ \t])/)
    .map((line) => line.slice(0, line.indexOf(':')));
};

void describe('apiReceivedHeader', () => {
  void it("writes Postal's HTTP Received header, without the client in privacy mode", () => {
    assert.equal(
      apiReceivedHeader({ clientIp: '203.0.113.9', hostname: 'postern.test', privacy: false, now: NOW }),
      'from api (203.0.113.9 [203.0.113.9]) by postern.test with HTTP; Wed, 25 Nov 2026 12:30:05 +0000',
    );
    assert.equal(
      apiReceivedHeader({ clientIp: '203.0.113.9', hostname: 'postern.test', privacy: true, now: NOW }),
      'by postern.test with HTTP; Wed, 25 Nov 2026 12:30:05 +0000',
    );
  });
});

void describe('buildMessage', () => {
  void it('orders the headers: Received, custom ones, To, Cc, From, Sender, Subject, Reply-To', async () => {
    const raw = buildMessage(
      input({
        cc: ['c@example.net'],
        sender: 'app@example.com',
        replyTo: 'r@example.com',
        headers: [
          ['X-First', '1'],
          ['X-Second', '2'],
        ],
      }),
    );
    assert.deepEqual(headerNames(raw), [
      'Received',
      'X-First',
      'X-Second',
      'To',
      'Cc',
      'From',
      'Sender',
      'Subject',
      'Reply-To',
      'Message-ID',
      'Date',
      'Content-Transfer-Encoding',
      'MIME-Version',
      'Content-Type',
    ]);
    assert.match(raw.toString(), /^Message-ID: <0c5e1c74-4b1d-4f0e-9a51-3d1f8f0e2a11@rp\.postern\.test>\r$/m);
    assert.match(raw.toString(), /^Date: Wed, 25 Nov 2026 12:30:05 \+0000\r$/m);
    assert.ok(raw.includes('\r\n') && !/[^\r]\n/.test(raw.toString()), 'CRLF line breaks only');
  });

  void it('lets From, Sender, Subject and Reply-To replace custom ones, To and Cc only when given', async () => {
    const raw = buildMessage(
      input({
        to: [],
        headers: [
          ['Subject', 'custom subject'],
          ['Sender', 'custom@example.com'],
          ['To', 'undisclosed-recipients:;'],
          ['Bcc', 'secret@example.net'],
          ['Content-Type', 'text/evil'],
          ['Message-ID', '<forged@example.com>'],
          ['Bad Name', 'dropped'],
          ['X-Injected', 'a\r\nBcc: evil@example.net'],
        ],
      }),
    );
    const parsed = await simpleParser(raw);
    assert.equal(parsed.subject, 'Hello');
    assert.equal(parsed.headers.has('sender'), false, 'Postal removes Sender when the parameter is absent');
    assert.equal(parsed.headers.has('bcc'), false);
    assert.equal(parsed.messageId, '<0c5e1c74-4b1d-4f0e-9a51-3d1f8f0e2a11@rp.postern.test>');
    assert.match(
      raw.toString(),
      /^To: "undisclosed-recipients":;\r$/m,
      'the custom To stays when `to` is empty',
    );
    assert.match(raw.toString(), /^Content-Type: text\/plain; charset=utf-8\r$/m);
    assert.doesNotMatch(raw.toString(), /Bad Name|^Bcc:/m);
    assert.equal(parsed.headers.get('x-injected'), 'a Bcc: evil@example.net', 'no header injection');
  });

  void it('keeps a custom Date instead of writing one', async () => {
    const raw = buildMessage(input({ headers: [['Date', 'Tue, 24 Nov 2026 08:00:00 +0000']] }));
    assert.deepEqual(raw.toString().match(/^Date: .*$/gm), ['Date: Tue, 24 Nov 2026 08:00:00 +0000']);
  });

  void it('nests multipart/alternative (text, then html) in multipart/mixed with the attachments', async () => {
    const raw = buildMessage(
      input({
        plainBody: 'Plain ü',
        htmlBody: '<p>HTML ü</p>',
        attachments: [
          { name: 'a.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF') },
          { name: 'b.bin', contentType: 'application/octet-stream', data: new Uint8Array([0, 255]) },
        ],
      }),
    );
    const text = raw.toString();
    assert.match(text, /^Content-Type: multipart\/mixed;/m);
    assert.match(text, /^Content-Type: multipart\/alternative;/m);
    assert.ok(text.indexOf('multipart/alternative') < text.indexOf('text/plain; charset=utf-8'));
    assert.ok(text.indexOf('text/plain; charset=utf-8') < text.indexOf('text/html; charset=utf-8'));
    const parsed = await simpleParser(raw);
    assert.equal(parsed.text?.trim(), 'Plain ü');
    assert.equal(typeof parsed.html === 'string' && parsed.html.trim(), '<p>HTML ü</p>');
    assert.deepEqual(
      parsed.attachments.map((a) => [a.filename, a.contentType, a.content.toString('hex')]),
      [
        ['a.pdf', 'application/pdf', Buffer.from('%PDF').toString('hex')],
        ['b.bin', 'application/octet-stream', '00ff'],
      ],
    );
  });

  void it('sends html alone as a single text/html part', async () => {
    const raw = buildMessage(input({ plainBody: null, htmlBody: '<p>x</p>' }));
    assert.match(raw.toString(), /^Content-Type: text\/html; charset=utf-8\r$/m);
    assert.doesNotMatch(raw.toString(), /multipart/);
  });
});
