import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildPolicyIndex } from '../../core/policy/policy-index.ts';
import {
  REPLIES,
  decideData,
  receivedHeader,
  rfc5322Date,
  type DataInput,
  type SessionState,
} from '../../smtp-edge/session-policy.ts';
import { CREDENTIAL_ID, HOSTNAME, SERVER_ID, testServer, testSnapshot } from '../helpers/policy-fixtures.ts';

const fixture = readFileSync(new URL('./fixtures/from-example.eml', import.meta.url), 'latin1');
const index = buildPolicyIndex(testSnapshot());
const anonymous: SessionState = { secure: false, clientIp: '192.0.2.7', auth: null };
const authenticated: SessionState = {
  secure: true,
  clientIp: '192.0.2.7',
  auth: { serverId: SERVER_ID, credentialId: CREDENTIAL_ID, method: 'password' },
};
const MAX = 14 * 1024 * 1024;

const data = (text: string, extra: Partial<DataInput> = {}): DataInput => {
  const message = Buffer.from(text, 'latin1');
  return { message, size: message.length, maxSize: MAX, hostname: HOSTNAME, ...extra };
};
const withFrom = (from: string, extraHeaders = ''): string =>
  fixture.replace('From: Alice Example <alice@example.com>\r\n', `From: ${from}\r\n${extraHeaders}`);
const received = (by: string): string =>
  `Received: from relay.test (relay.test [192.0.2.9])\r\n\tby ${by} with ESMTP; ${rfc5322Date(0)}\r\n`;

void describe('end of DATA', () => {
  void it('accepts a well-formed message from an unauthenticated session', () => {
    assert.deepEqual(decideData(index, anonymous, data(fixture)), {
      ok: true,
      server: null,
      senderDomainId: null,
    });
  });

  void it('refuses a message over the limit with 552, judged by the bytes sent, not the bytes kept', () => {
    assert.deepEqual(decideData(index, anonymous, data(fixture, { size: MAX + 1 })), {
      ok: false,
      reply: { code: 552, enhanced: '5.3.4', message: 'Message too large (maximum size 14MB)' },
    });
    assert.equal(decideData(index, anonymous, data(fixture, { size: MAX })).ok, true);
  });

  void describe('loop detection', () => {
    void it('refuses a message that already passed this host four times (five with this pass)', () => {
      const looped = received(HOSTNAME).repeat(4) + fixture;
      assert.deepEqual(decideData(index, anonymous, data(looped)), {
        ok: false,
        reply: { code: 550, enhanced: '5.4.6', message: 'Loop detected' },
      });
    });

    void it('lets three earlier passes through, and does not count other hosts or look-alike names', () => {
      const hops =
        received(HOSTNAME).repeat(3) + received(`${HOSTNAME}.evil.test`) + received('mx.other.test');
      assert.equal(decideData(index, anonymous, data(hops + fixture)).ok, true);
    });

    void it('does not count Received lines in the body', () => {
      const body = `${fixture}\r\n${received(HOSTNAME).repeat(5)}`;
      assert.equal(decideData(index, anonymous, data(body)).ok, true);
    });
  });

  void describe('SMTP smuggling guard', () => {
    for (const [name, sequence] of [
      ['bare LF around the dot', '\n.\n'],
      ['CRLF before, bare LF after', '\r\n.\n'],
      ['bare LF before, CRLF after', 'x\n.\r\n'],
      ['bare CR around the dot', '\r.\r'],
    ] as const) {
      void it(`refuses a lone dot line with ${name}`, () => {
        const smuggled = `${fixture}${sequence}MAIL FROM:<evil@attacker.test>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\n`;
        assert.deepEqual(decideData(index, anonymous, data(smuggled)), {
          ok: false,
          reply: REPLIES.smuggling,
        });
      });
    }

    void it('accepts a lone dot line between CRLFs (sent dot-stuffed) and at the very start', () => {
      assert.equal(decideData(index, anonymous, data(`${fixture}\r\n.\r\nafter\r\n`)).ok, true);
      assert.equal(decideData(index, anonymous, data('.\r\nrest\r\n')).ok, true);
    });
  });

  void describe('authenticated sender', () => {
    void it('accepts From at a verified domain of the server', () => {
      const decision = decideData(index, authenticated, data(fixture));
      assert.equal(decision.ok && decision.server?.id, SERVER_ID);
      assert.equal(decision.ok && decision.senderDomainId, 1000, 'the domain that authorized From');
    });

    void it('refuses a From at a foreign domain with 530', () => {
      assert.deepEqual(decideData(index, authenticated, data(withFrom('Mallory <mallory@evil.test>'))), {
        ok: false,
        reply: { code: 530, enhanced: '5.7.1', message: 'From/Sender name is not valid' },
      });
    });

    void it('needs every From address to match, folded headers included', () => {
      const two = withFrom('alice@example.com,\r\n\tmallory@evil.test');
      assert.deepEqual(decideData(index, authenticated, data(two)), {
        ok: false,
        reply: REPLIES.senderNotAllowed,
      });
      const folded = withFrom('"Alice, Example"\r\n <alice@example.com>');
      assert.equal(decideData(index, authenticated, data(folded)).ok, true);
    });

    void it('refuses a message without From', () => {
      const noFrom = fixture.replace(/^From: .*\r\n/m, '');
      assert.deepEqual(decideData(index, authenticated, data(noFrom)), {
        ok: false,
        reply: REPLIES.senderNotAllowed,
      });
    });

    void it('takes the Sender header when the server allows it', () => {
      const onBehalf = withFrom('boss@client.test', 'Sender: mailer@example.com\r\n');
      assert.equal(decideData(index, authenticated, data(onBehalf)).ok, false);
      const allowing = buildPolicyIndex(testSnapshot({ servers: [testServer({ allowSender: true })] }));
      assert.equal(decideData(allowing, authenticated, data(onBehalf)).ok, true);
    });

    void it('applies to sessions authenticated by an SMTP-IP network too', () => {
      const network: SessionState = {
        ...anonymous,
        auth: { serverId: SERVER_ID, credentialId: 300, method: 'network' },
      };
      const withNetwork = buildPolicyIndex(
        testSnapshot({
          ipCredentials: [{ id: 300, serverId: SERVER_ID, network: '192.0.2.0/24', hold: false }],
        }),
      );
      assert.deepEqual(decideData(withNetwork, network, data(withFrom('x@evil.test'))), {
        ok: false,
        reply: REPLIES.senderNotAllowed,
      });
    });

    void it('refuses when the credential was revoked during the transaction', () => {
      const revoked = buildPolicyIndex(testSnapshot({ version: 2, credentials: [] }));
      assert.deepEqual(decideData(revoked, authenticated, data(fixture)), {
        ok: false,
        reply: REPLIES.invalidCredential,
      });
    });
  });

  void it('answers 451 4.3.0 without a policy', () => {
    assert.deepEqual(decideData(null, anonymous, data(fixture)), {
      ok: false,
      reply: REPLIES.policyNotLoaded,
    });
  });
});

void describe('Received header', () => {
  const base = {
    helo: 'client.example.net',
    clientHostname: 'mail.example.net',
    clientIp: '192.0.2.7',
    hostname: HOSTNAME,
    esmtp: true,
    secure: true,
    authenticated: true,
    privacy: false,
    now: Date.UTC(2026, 10, 25, 12, 0, 5),
  };

  void it('names the client, this host, the protocol (RFC 3848) and the date', () => {
    assert.equal(
      receivedHeader(base),
      'Received: from client.example.net (mail.example.net [192.0.2.7])\r\n\tby mx.postern.test with ESMTPSA; Wed, 25 Nov 2026 12:00:05 +0000\r\n',
    );
  });

  void it('writes the address when there is no reverse name, and IPv6 as an address literal', () => {
    const header = receivedHeader({ ...base, clientHostname: null, clientIp: '2001:db8::7' });
    assert.match(header, /^Received: from client\.example\.net \(2001:db8::7 \[IPv6:2001:db8::7\]\)/);
  });

  void it('leaves out everything about the client for a privacy-mode server', () => {
    assert.equal(
      receivedHeader({ ...base, privacy: true }),
      'Received: by mx.postern.test with ESMTPSA; Wed, 25 Nov 2026 12:00:05 +0000\r\n',
    );
  });

  void it('says SMTP after HELO, ESMTP, ESMTPS and ESMTPA after EHLO', () => {
    const protocol = (extra: Partial<typeof base>) =>
      /with (\S+);/.exec(receivedHeader({ ...base, ...extra }))?.[1];
    assert.equal(protocol({ esmtp: false }), 'SMTP');
    assert.equal(protocol({ secure: false, authenticated: false }), 'ESMTP');
    assert.equal(protocol({ authenticated: false }), 'ESMTPS');
    assert.equal(protocol({ secure: false }), 'ESMTPA');
  });

  void it('counts as a pass through this host for loop detection', () => {
    const ours = receivedHeader(base);
    const looped = ours.repeat(4) + fixture;
    assert.deepEqual(decideData(index, anonymous, data(looped)), { ok: false, reply: REPLIES.loopDetected });
  });
});

void describe('rfc5322Date', () => {
  void it('formats UTC with a numeric zone', () => {
    assert.equal(rfc5322Date(Date.UTC(2026, 0, 4, 3, 2, 1)), 'Sun, 4 Jan 2026 03:02:01 +0000');
  });
});
