import assert from 'node:assert/strict';
import { afterEach, before, describe, it } from 'node:test';
import { testCertificate } from '../../helpers/test-certificate.ts';
import type { SmtpSendResult, SmtpTarget, SmtpTransport } from '../../../core/ports.ts';
import { startRemoteMx, type RemoteMx, type RemoteMxOptions } from '../../helpers/remote-mx.ts';

// What every SmtpTransport adapter must do when it hands a message to a remote MX: a real SMTP
// server on loopback (test/helpers/remote-mx.ts) that records what it accepts and answers as
// each test scripts it. Outcomes follow RFC 5321 section 4.2.1: 2yz sent, 4yz a soft failure,
// 5yz a hard failure, each with the remote's code; no code when no SMTP reply was had.
// Run by each adapter's test file with a factory that gives a new transport.

export type SmtpTransportFactory = () => Promise<{ transport: SmtpTransport; cleanup(): Promise<void> }>;

const ENVELOPE = { from: 'bounces@rp.example.com', to: 'rcpt@example.org' };

const MESSAGE = [
  'From: sender@example.com',
  'To: rcpt@example.org',
  'Subject: Hello',
  '',
  'Hello there.',
  '.A line that starts with a dot (RFC 5321 section 4.5.2).',
  '..',
  '.',
  'The end.',
  '',
].join('\r\n');

const target = (port: number, overrides: Partial<SmtpTarget> = {}): SmtpTarget => ({
  host: '127.0.0.1',
  port,
  name: 'out.postern.test',
  tls: 'opportunistic',
  ...overrides,
});

const codeOf = (result: SmtpSendResult): number | null | undefined =>
  result.status === 'sent' ? undefined : result.code;

/** Replies the remote is scripted to give, at RCPT TO or at the end of DATA, and the outcome each means. */
const REFUSALS: readonly {
  stage: 'rcpt' | 'data';
  code: number;
  text: string;
  status: 'soft_fail' | 'hard_fail';
}[] = [
  { stage: 'rcpt', code: 450, text: 'Mailbox busy', status: 'soft_fail' },
  { stage: 'rcpt', code: 451, text: 'Greylisted, try again in 3 minutes', status: 'soft_fail' },
  { stage: 'rcpt', code: 421, text: 'Too many messages, slow down', status: 'soft_fail' },
  { stage: 'data', code: 452, text: 'Insufficient system storage', status: 'soft_fail' },
  { stage: 'rcpt', code: 550, text: 'No such user here', status: 'hard_fail' },
  { stage: 'rcpt', code: 553, text: 'Mailbox name not allowed', status: 'hard_fail' },
  { stage: 'data', code: 554, text: 'Message rejected as spam', status: 'hard_fail' },
  { stage: 'data', code: 552, text: 'Message too big for this mailbox', status: 'hard_fail' },
];

export function smtpTransportContract(label: string, make: SmtpTransportFactory): void {
  void describe(`${label}: SmtpTransport contract`, () => {
    let tls: { key: string; cert: string };
    const cleanups: (() => Promise<void>)[] = [];

    before(async () => {
      tls = await testCertificate('mx.test');
    });
    afterEach(async () => {
      // Transports first (they may QUIT), then the servers.
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    const transport = async (): Promise<SmtpTransport> => {
      const made = await make();
      cleanups.unshift(made.cleanup);
      return made.transport;
    };
    const remoteMx = async (options: RemoteMxOptions = {}): Promise<RemoteMx> => {
      const mx = await startRemoteMx(options);
      cleanups.push(mx.close);
      return mx;
    };

    void it('reports sent, and secure, for a 250 over the STARTTLS the remote offers', async () => {
      const mx = await remoteMx({ tls });
      const result = await (await transport()).send(target(mx.port), ENVELOPE, Buffer.from(MESSAGE));
      assert.equal(result.status, 'sent', result.response);
      assert.equal(result.secure, true);
      assert.match(result.response, /^250\b.*queued as REMOTE1/);
      assert.equal(mx.messages.length, 1);
      const [received] = mx.messages;
      assert.deepEqual(
        { from: received?.from, to: received?.to, secure: received?.secure },
        { from: ENVELOPE.from, to: [ENVELOPE.to], secure: true },
      );
    });

    void it('reports sent, not secure, when the remote offers no STARTTLS', async () => {
      const mx = await remoteMx();
      const result = await (await transport()).send(target(mx.port), ENVELOPE, Buffer.from(MESSAGE));
      assert.deepEqual([result.status, result.secure], ['sent', false]);
      assert.equal(mx.messages[0]?.secure, false);
    });

    void it('hands the message over byte for byte, lines starting with a dot included', async () => {
      const mx = await remoteMx({ tls });
      const result = await (
        await transport()
      ).send(target(mx.port), ENVELOPE, new TextEncoder().encode(MESSAGE));
      assert.equal(result.status, 'sent', result.response);
      assert.equal(mx.messages[0]?.body, MESSAGE);
    });

    void it('sends the null sender as MAIL FROM:<>', async () => {
      const mx = await remoteMx();
      const result = await (
        await transport()
      ).send(target(mx.port), { ...ENVELOPE, from: '' }, Buffer.from(MESSAGE));
      assert.equal(result.status, 'sent', result.response);
      assert.equal(mx.messages[0]?.from, '');
    });

    void it("says the target's HELO name, from the target's source address", async () => {
      const mx = await remoteMx();
      const client = await transport();
      const plain = await client.send(target(mx.port), ENVELOPE, Buffer.from(MESSAGE));
      const bound = await client.send(
        target(mx.port, { name: 'pool-a.postern.test', localAddress: '127.0.0.3' }),
        ENVELOPE,
        Buffer.from(MESSAGE),
      );
      assert.deepEqual([plain.status, bound.status], ['sent', 'sent']);
      assert.deepEqual(
        mx.messages.map(({ helo, remoteAddress }) => ({ helo, remoteAddress })),
        [
          { helo: 'out.postern.test', remoteAddress: '127.0.0.1' },
          { helo: 'pool-a.postern.test', remoteAddress: '127.0.0.3' },
        ],
      );
    });

    for (const { stage, code, text, status } of REFUSALS) {
      void it(`reports a ${code} at ${stage === 'rcpt' ? 'RCPT TO' : 'the end of DATA'} as ${status} with its code and text`, async () => {
        const verdict = { code, message: text };
        const mx = await remoteMx(
          stage === 'rcpt' ? { tls, rcpt: () => verdict } : { tls, data: () => verdict },
        );
        const result = await (await transport()).send(target(mx.port), ENVELOPE, Buffer.from(MESSAGE));
        assert.equal(result.status, status, result.response);
        assert.equal(codeOf(result), code);
        assert.ok(result.response.includes(text), result.response);
        assert.equal(result.secure, true, 'a failure still tells whether TLS was up');
        assert.equal(mx.messages.length, 0);
      });
    }

    void it('reports a refused connection as a soft failure without a code', async () => {
      const mx = await startRemoteMx();
      await mx.close();
      const result = await (await transport()).send(target(mx.port), ENVELOPE, Buffer.from(MESSAGE));
      assert.equal(result.status, 'soft_fail');
      assert.equal(codeOf(result), null);
      assert.equal(result.secure, false);
      assert.ok(result.response.length > 0, 'says what went wrong');
    });

    void it('sends the next message to a host after it refused one', async () => {
      const mx = await remoteMx({
        tls,
        rcpt: (address) => (address.startsWith('bad') ? { code: 550, message: 'No such user' } : null),
      });
      const client = await transport();
      const results = [];
      for (const to of ['bad@example.org', 'rcpt@example.org', 'bad2@example.org', 'other@example.org']) {
        results.push((await client.send(target(mx.port), { ...ENVELOPE, to }, Buffer.from(MESSAGE))).status);
      }
      assert.deepEqual(results, ['hard_fail', 'sent', 'hard_fail', 'sent']);
      assert.deepEqual(
        mx.messages.map((message) => message.to),
        [['rcpt@example.org'], ['other@example.org']],
      );
    });
  });
}
