import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  DKIM_SIGNED_HEADERS,
  dkimSignatureHeader,
  relaxedBody,
  signMessage,
  signMessageOffThread,
  toCrlf,
  type DkimSignOptions,
} from '../../../core/dkim/dkim-signer.ts';
import { generateDkimKey } from '../../../core/domains/dkim-key.ts';
import { verifyDkim, type PublishedKey } from './mailauth-verify.ts';

/**
 * One of Postal's spec/examples/dkim_signing/*.msg: YAML front matter, a `---` line, the email.
 * The front matter is flat `key: value` lines plus the `private_key: |` block, so no YAML parser.
 */
function loadPostalFixture(name: string) {
  const text = readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'latin1');
  const separator = text.search(/^---\n/m);
  const fields = new Map<string, string>();
  let block: string | undefined;
  for (const line of text.slice(0, separator).split('\n')) {
    if (block !== undefined && line.startsWith('  ')) {
      fields.set(block, `${fields.get(block) ?? ''}${line.slice(2)}\n`);
      continue;
    }
    const [, key = '', value = ''] = /^(\w+): ?(.*)$/.exec(line) ?? [];
    block = value === '|' ? key : undefined;
    if (key) fields.set(key, value === '|' ? '' : value);
  }
  const field = (key: string): string => {
    const value = fields.get(key);
    assert.ok(value !== undefined, `${name}: no ${key} in the front matter`);
    return value;
  };
  return {
    email: Buffer.from(text.slice(separator + 4), 'latin1'),
    options: {
      domain: field('domain'),
      selector: field('dkim_identifier'),
      privateKeyPem: field('private_key'),
      timestamp: Number(field('time')),
    } satisfies DkimSignOptions,
    h: field('headers'),
    bh: field('bh'),
    b: field('b'),
  };
}

/** The tags of a DKIM-Signature header field, unfolded, b= with its folding whitespace removed. */
function tagsOf(header: string): Map<string, string> {
  const value = header.replace(/\r\n[ \t]/g, ' ').replace(/^DKIM-Signature:/, '');
  return new Map(
    value
      .split(';')
      .map((tag) => tag.trim())
      .filter(Boolean)
      .map((tag) => {
        const eq = tag.indexOf('=');
        return [tag.slice(0, eq), tag.slice(eq + 1).replace(/\s+/g, '')] as const;
      }),
  );
}

const firstHeader = (signed: Uint8Array): string => {
  const text = Buffer.from(signed).toString('latin1');
  const end = text.search(/\r\n(?![ \t])/);
  return text.slice(0, end);
};

const crlf = (text: string): Buffer => Buffer.from(text.replace(/\r?\n/g, '\r\n'));

describe('DKIM signing: Postal golden fixtures (spec/examples/dkim_signing)', () => {
  for (const name of ['email1.msg', 'email2.msg']) {
    const fixture = loadPostalFixture(name);

    it(`${name}: the DKIM-Signature header is Postal's, byte for byte`, () => {
      const header = dkimSignatureHeader(fixture.email, fixture.options);
      const tags = tagsOf(header);
      assert.equal(tags.get('h'), fixture.h);
      assert.equal(tags.get('bh'), fixture.bh);
      assert.equal(tags.get('b'), fixture.b);
      // As spec/lib/dkim_header_spec.rb builds its expectation.
      const { domain, selector, timestamp } = fixture.options;
      assert.equal(
        header,
        'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n' +
          `\td=${domain};\r\n` +
          `\ts=${selector}; t=${timestamp};\r\n` +
          `\tbh=${fixture.bh};\r\n` +
          `\th=${fixture.h};\r\n` +
          `\tb=${fixture.b.match(/.{1,72}/g)!.join('\r\n\t')}`,
      );
    });

    it(`${name}: the same header for the message with CRLF line endings`, () => {
      assert.equal(
        dkimSignatureHeader(toCrlf(fixture.email), fixture.options),
        dkimSignatureHeader(fixture.email, fixture.options),
      );
    });

    it(`${name}: the signed message is the header, CRLF, then the message with CRLF line endings`, async () => {
      const signed = signMessage(fixture.email, fixture.options);
      const header = dkimSignatureHeader(fixture.email, fixture.options);
      assert.deepEqual(
        Buffer.from(signed),
        Buffer.concat([Buffer.from(`${header}\r\n`), toCrlf(fixture.email)]),
      );
      const outcome = await verifyDkim(signed, [fixture.options]);
      // email1 already carries the signature Postal made when it sent it, which still verifies.
      assert.ok(outcome.results.length >= 1);
      assert.ok(
        outcome.results.every((result) => result === 'pass'),
        outcome.details,
      );
    });
  }
});

describe('DKIM signing: mailauth verifies what we sign', () => {
  let key: PublishedKey;
  const sign = (raw: Uint8Array): Uint8Array => signMessage(raw, { ...key, timestamp: 1_700_000_000 });
  const verdict = async (message: Uint8Array): Promise<string> => {
    const outcome = await verifyDkim(message, [key]);
    assert.equal(outcome.results.length, 1, outcome.details);
    return outcome.results[0]!;
  };
  const assertPass = async (message: Uint8Array): Promise<void> => {
    const outcome = await verifyDkim(message, [key]);
    assert.deepEqual(outcome.results, ['pass'], outcome.details);
  };
  /** `signed` with `from` replaced by `to` (latin1, once). */
  const tamper = (signed: Uint8Array, from: string, to: string): Buffer => {
    const text = Buffer.from(signed).toString('latin1');
    assert.ok(text.includes(from), `no ${JSON.stringify(from)} to replace`);
    return Buffer.from(text.replace(from, to), 'latin1');
  };

  before(async () => {
    key = { domain: 'example.com', selector: 'postern-ab12cd', privateKeyPem: await generateDkimKey() };
  });

  const messages: Record<string, Buffer> = {
    plain: crlf(
      'From: Alice <alice@example.com>\nTo: bob@example.net\nSubject: Hello\n' +
        'Date: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <1@example.com>\n\nHi Bob,\n\nSee you.\n',
    ),
    multipart: crlf(
      [
        'From: alice@example.com',
        'To: bob@example.net',
        'Subject: Multipart',
        'MIME-Version: 1.0',
        'Content-Type: multipart/alternative; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Plain =C3=A9  text\twith  tabs   ',
        '--b1',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>\tHTML  part</p>',
        '--b1--',
        '',
      ].join('\n'),
    ),
    'LF-only line endings': Buffer.from('From: alice@example.com\nSubject: LF\n\nline one\nline two\n'),
    'mixed line endings': Buffer.from(
      'From: alice@example.com\r\nSubject: mixed\n\r\nline one\nline two\r\n',
    ),
    'trailing blank lines and whitespace': crlf(
      'From: alice@example.com\nSubject: blanks\n\nBody  \t\n\n \t\n\n\n',
    ),
    'folded headers': crlf(
      'From: "Alice\n Example" <alice@example.com>\nTo: bob@example.net,\n\tcarol@example.net,\n  dave@example.net\n' +
        'Subject: a subject\n\t folded  twice\n and\tagain \nContent-Type: text/plain;\n charset=utf-8\n\nBody\n',
    ),
    'repeated headers': crlf(
      'Received: from a\nFrom: alice@example.com\nTo: first@example.net\nReceived: from b\nCc: one@example.net\n' +
        'To: second@example.net\nSubject: repeated\nCc: two@example.net\nTo: third@example.net\n\nBody\n',
    ),
    '8-bit UTF-8 body': crlf(
      'From: alice@example.com\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\nContent-Type: text/plain; charset=utf-8\n' +
        'Content-Transfer-Encoding: 8bit\n\nGrüße aus Köln — 你好, мир 🚀\n\tTabbed  ünïcödé  \n',
    ),
    '8-bit UTF-8 header': crlf('From: Jörg Müller <jorg@example.com>\nSubject: Grüße 🚀\n\nHallo\n'),
    'Latin-1 bytes (not UTF-8) in the body': Buffer.concat([
      crlf('From: alice@example.com\nSubject: latin1\nContent-Transfer-Encoding: 8bit\n\n'),
      Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x20, 0xff, 0xfe, 0x0d, 0x0a]),
    ]),
    'empty body': crlf('From: alice@example.com\nSubject: empty\n\n'),
    'no body at all': crlf('From: alice@example.com\nSubject: headers only\n'),
    'a body of blank lines': crlf('From: alice@example.com\nSubject: blank\n\n\n  \n\t\n'),
    'a bare CR in the body': Buffer.from(
      'From: alice@example.com\r\nSubject: cr\r\n\r\nline\rmore \r\nend\r',
    ),
  };

  for (const [name, message] of Object.entries(messages)) {
    it(`passes: ${name}`, async () => {
      await assertPass(sign(message));
    });
  }

  it('fails when a body line is altered', async () => {
    const signed = sign(messages.plain!);
    assert.equal(await verdict(tamper(signed, 'See you.', 'See you!')), 'fail');
  });

  it('fails when a body line is added', async () => {
    const signed = sign(messages.multipart!);
    assert.equal(await verdict(Buffer.concat([signed, Buffer.from('P.S.\r\n')])), 'fail');
  });

  it('fails when a signed header is altered', async () => {
    const signed = sign(messages.plain!);
    assert.equal(await verdict(tamper(signed, 'Subject: Hello', 'Subject: Hullo')), 'fail');
    assert.equal(await verdict(tamper(signed, 'To: bob@', 'To: eve@')), 'fail');
  });

  it('fails when any instance of a repeated signed header is altered', async () => {
    const signed = sign(messages['repeated headers']!);
    for (const address of ['first@', 'second@', 'third@', 'one@', 'two@']) {
      assert.equal(await verdict(tamper(signed, address, 'eve@')), 'fail', address);
    }
  });

  it('fails when a signed header is added after signing (a second Subject)', async () => {
    const signed = Buffer.from(sign(messages.plain!));
    const text = signed.toString('latin1').replace('\r\n\r\n', '\r\nSubject: Injected\r\n\r\n');
    assert.equal(await verdict(Buffer.from(text, 'latin1')), 'fail');
  });

  it('still passes when unsigned headers change or are added', async () => {
    const signed = sign(messages['repeated headers']!);
    await assertPass(tamper(signed, 'Received: from a', 'Received: from somewhere else'));
    await assertPass(Buffer.concat([Buffer.from('Received: from relay\r\nX-Spam: no\r\n'), signed]));
  });

  it('still passes after changes relaxed canonicalization ignores (refolding, whitespace)', async () => {
    const signed = sign(messages.plain!);
    await assertPass(
      tamper(tamper(signed, 'Subject: Hello', 'Subject:\r\n\t Hello \t'), 'See you.', 'See   you.\t'),
    );
  });
});

describe('DKIM signing: header selection (Postal’s list)', () => {
  const options: DkimSignOptions = {
    domain: 'example.com',
    selector: 'postal-Ab12Cd',
    privateKeyPem: generateKeyPairSync('rsa', {
      modulusLength: 1024,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey,
    timestamp: 1_626_973_299,
  };
  const hOf = (message: string): string | undefined =>
    tagsOf(dkimSignatureHeader(crlf(message), options)).get('h');

  it('signs every listed header present, in message order, lower-cased', () => {
    const headers = DKIM_SIGNED_HEADERS.toReversed();
    const message = `${headers.map((name) => `${name.toUpperCase()}: x`).join('\n')}\n\nbody\n`;
    assert.equal(hOf(message), headers.join(':'));
  });

  it('names a repeated header once per occurrence', () => {
    assert.equal(hOf('To: a\nFrom: f\nTo: b\nReceived: r\nTo: c\n\nx\n'), 'to:from:to:to');
  });

  it('leaves out headers that are not on the list', () => {
    const message =
      'Return-Path: <b@example.com>\nReceived: from x\nDKIM-Signature: v=1\nX-Postal-MsgID: abc\n' +
      'Content-ID: <c>\nContent-Description: d\nList-Archive: <a>\nBIMI-Selector: v=BIMI1\nResent-Date: now\n' +
      'Authentication-Results: x\nX-Mailer: m\nFrom: f@example.com\nXTo: no\nTo-Do: no\n\nx\n';
    assert.equal(hOf(message), 'from');
  });

  it('leaves out a header with space before its colon, as Postal does', () => {
    assert.equal(hOf('Subject : spaced\nFrom: f@example.com\n\nx\n'), 'from');
  });

  it('signs nothing but itself when no listed header is present (h= empty, like Postal)', () => {
    assert.equal(hOf('X-Only: this\n\nx\n'), '');
  });
});

describe('DKIM signing: the header field and the message', () => {
  let options: DkimSignOptions;
  before(async () => {
    options = {
      domain: 'example.com',
      selector: 'postern-ab12cd',
      privateKeyPem: await generateDkimKey(),
      timestamp: 1,
    };
  });
  const message = crlf('From: alice@example.com\nSubject: Hi\n\nBody\n');

  it('is folded as Postal folds it, b= at 72 characters a line', () => {
    const lines = dkimSignatureHeader(message, options).split('\r\n');
    assert.equal(lines[0], 'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;');
    assert.equal(lines[1], '\td=example.com;');
    assert.equal(lines[2], '\ts=postern-ab12cd; t=1;');
    assert.match(lines[3]!, /^\tbh=[A-Za-z0-9+/]{43}=;$/);
    assert.equal(lines[4], '\th=from:subject;');
    const b = lines.slice(5);
    assert.match(b[0]!, /^\tb=/);
    const signature = b.map((line) => line.replace(/^\t(b=)?/, '')).join('');
    assert.equal(Buffer.from(signature, 'base64').length, 256, 'a 2048-bit signature');
    assert.deepEqual(
      b.map((line) => line.replace(/^\t(b=)?/, '').length),
      [72, 72, 72, 72, 344 - 4 * 72],
    );
  });

  it('has no x=, l=, i= or q= tag', () => {
    const tags = [...tagsOf(dkimSignatureHeader(message, options)).keys()];
    assert.deepEqual(tags, ['v', 'a', 'c', 'd', 's', 't', 'bh', 'h', 'b']);
  });

  it('is deterministic, and leaves its input alone', () => {
    const input = Buffer.from('From: a@example.com\nSubject: x\n\nbody\n');
    const copy = Buffer.from(input);
    assert.deepEqual(signMessage(input, options), signMessage(input, options));
    assert.deepEqual(input, copy);
  });

  it('gives the same bytes with the RSA operation off the main thread', async () => {
    const input = Buffer.from('From: a@example.com\nSubject: x\n\nbody\n');
    assert.deepEqual(await signMessageOffThread(input, options), signMessage(input, options));
    await assert.rejects(signMessageOffThread(input, { ...options, domain: 'bad domain' }));
  });

  it('returns CRLF line endings for an LF-only message', () => {
    const signed = Buffer.from(
      signMessage(Buffer.from('From: a@example.com\nSubject: x\n\nbody\nmore\n'), options),
    );
    assert.ok(!/(?<!\r)\n/.test(signed.toString('latin1')));
    assert.ok(signed.toString('latin1').endsWith('\r\nSubject: x\r\n\r\nbody\r\nmore\r\n'));
  });

  it('hashes an empty body as the empty string (RFC 6376 §3.4.4), not as CRLF like Postal', () => {
    const empty = tagsOf(firstHeader(signMessage(crlf('From: a@example.com\n\n'), options)));
    assert.equal(empty.get('bh'), '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });

  it('refuses options that would break the header, and keys that are not RSA', () => {
    const bad: Partial<DkimSignOptions>[] = [
      { domain: 'example.com; x=1' },
      { domain: 'exa mple.com' },
      { domain: '' },
      { selector: 's\r\nBcc: x' },
      { selector: '' },
      { timestamp: -1 },
      { timestamp: 1.5 },
      { timestamp: Number.NaN },
      {
        privateKeyPem: generateKeyPairSync('ed25519', {
          privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
          publicKeyEncoding: { type: 'spki', format: 'pem' },
        }).privateKey,
      },
    ];
    for (const change of bad) {
      assert.throws(
        () => signMessage(message, { ...options, ...change }),
        RangeError,
        JSON.stringify(change),
      );
    }
  });
});

describe('relaxedBody (RFC 6376 §3.4.4)', () => {
  const cases: [string, string][] = [
    // RFC 6376 §3.4.6, the example body.
    [' C \r\nD \t E\r\n\r\n\r\n', ' C\r\nD E\r\n'],
    ['', ''],
    ['\r\n\r\n', ''],
    [' \t \r\n\t\r\n', ''],
    ['a', 'a\r\n'],
    ['a ', 'a\r\n'],
    ['a \t', 'a\r\n'],
    ['  a', ' a\r\n'],
    ['a  b\t\tc \r\n', 'a b c\r\n'],
    ['a\r\n\r\n\r\n', 'a\r\n'],
    ['a\r\n \r\nb', 'a\r\n\r\nb\r\n'],
    ['a \rb', 'a \rb\r\n'],
    ['a  \rb', 'a \rb\r\n'],
    ['a\r', 'a\r\r\n'],
    ['a \r\r\n', 'a \r\r\n'],
    ['\xe9  \xff\r\n', '\xe9 \xff\r\n'],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(Buffer.from(relaxedBody(Buffer.from(input, 'latin1'))).toString('latin1'), expected);
    });
  }
});
