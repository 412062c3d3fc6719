import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { LogFields, Logger } from '../../../core/ports.ts';

// What every Logger adapter must do, wherever it writes: entries at four levels, tags merged
// down the child chain, and no secret or message body in what is written, whatever the caller
// passes (STYLE.md habit 15). Run by each adapter's test file with a factory that gives a logger
// writing every level, and a way to read back what it wrote.

export interface WrittenEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  /** Tags and fields as written, the adapter's own keys (time, level…) left out. */
  fields: LogFields;
}

export type LoggerFactory = () => Promise<{
  logger: Logger;
  /** The entries written so far, the children's included, in order. */
  entries(): WrittenEntry[];
  /** Everything written so far, as it would be stored or shipped. */
  text(): string;
}>;

/** Values that must never be written; each appears in nothing else the contract logs. */
const SECRETS = {
  password: 'pw-hunter2-secret',
  pass: 'pw-relay-secret',
  secret: 'webhook-signing-secret',
  token: 'session-token-value',
  key: 'sk_live_key_value',
  authorization: 'Basic YWxpY2U6aHVudGVyMg==',
  Authorization: 'Bearer tok_capitalised_header',
  cookie: 'session=cookie-value',
  apiKey: 'camel-api-key-value',
  api_key: 'snake-api-key-value',
  sessionToken: 'camel-session-token-value',
  smtpPassword: 'camel-smtp-password-value',
  clientSecret: 'camel-client-secret-value',
} as const;

const BODY_TEXT = 'Dear customer, your one-time code is 948271.';

function only(entries: WrittenEntry[]): WrittenEntry {
  assert.equal(entries.length, 1, `expected one entry, got ${entries.length}`);
  return entries[0] as WrittenEntry;
}

function assertNotWritten(text: string, values: readonly string[]): void {
  const leaked = values.filter((value) => text.includes(value));
  assert.deepEqual(leaked, [], 'written in clear');
}

export function loggerContract(label: string, make: LoggerFactory): void {
  void describe(`${label}: Logger contract`, () => {
    let logger: Logger;
    let entries: () => WrittenEntry[];
    let text: () => string;

    beforeEach(async () => {
      ({ logger, entries, text } = await make());
    });

    void it('writes an entry at each level, with its message, in order', () => {
      logger.debug('d message');
      logger.info('i message');
      logger.warn('w message');
      logger.error('e message');
      assert.deepEqual(
        entries().map(({ level, message }) => ({ level, message })),
        [
          { level: 'debug', message: 'd message' },
          { level: 'info', message: 'i message' },
          { level: 'warn', message: 'w message' },
          { level: 'error', message: 'e message' },
        ],
      );
    });

    void it('writes the fields it is given', () => {
      const fields = {
        messageId: 42,
        to: 'rcpt@example.org',
        secure: false,
        remote: null,
        attempts: [1, 'two', { three: 3 }],
        target: { host: 'mx.example.org', port: 25 },
      };
      logger.info('delivered', fields);
      logger.info('no fields');
      const [withFields, without] = entries();
      assert.deepEqual(withFields?.fields, fields);
      assert.deepEqual(without?.fields, {});
    });

    void it('writes an error with its name and message, and a date as its ISO form', () => {
      const error = Object.assign(new TypeError('connect ECONNREFUSED 127.0.0.1:25'), {
        code: 'ECONNREFUSED',
      });
      logger.error('delivery failed', { error, at: new Date(Date.UTC(2026, 10, 25, 12)) });
      const { fields } = only(entries());
      const written = fields.error as { name?: unknown; message?: unknown; code?: unknown };
      assert.deepEqual(
        [written.name, written.message, written.code],
        ['TypeError', 'connect ECONNREFUSED 127.0.0.1:25', 'ECONNREFUSED'],
      );
      assert.equal(fields.at, '2026-11-25T12:00:00.000Z');
    });

    void it("merges a child's tags with its parent's, nearer tags and then fields winning", () => {
      const session = logger.child({ service: 'edge', sessionId: 's1' });
      const message = session.child({ messageId: 7, service: 'delivery' });
      message.warn('slow', { messageId: 8, ms: 1200 });
      session.info('session');
      logger.info('parent');
      logger.child({ sessionId: 's2' }).info('sibling');
      assert.deepEqual(
        entries().map(({ message: text, fields }) => [text, fields]),
        [
          ['slow', { service: 'delivery', sessionId: 's1', messageId: 8, ms: 1200 }],
          ['session', { service: 'edge', sessionId: 's1' }],
          ['parent', {}],
          ['sibling', { sessionId: 's2' }],
        ],
      );
    });

    void it('never writes a secret, by name in any case and at any depth, in fields or tags', () => {
      const keep = { user: 'alice@example.com', messageId: 42 };
      logger.info('flat', { ...SECRETS, ...keep });
      logger.info('nested', {
        smtp: { auth: { user: 'alice', pass: SECRETS.pass } },
        headers: [{ Authorization: SECRETS.Authorization }, { cookie: SECRETS.cookie }],
        deep: { a: { b: { c: { token: SECRETS.token } } } },
      });
      logger.child({ apiKey: SECRETS.apiKey, token: SECRETS.token }).warn('from tags', keep);
      assertNotWritten(text(), Object.values(SECRETS));

      const [flat, nested, tagged] = entries();
      for (const name of Object.keys(SECRETS)) {
        assert.ok(flat && Object.hasOwn(flat.fields, name), `${name} is kept as a name, its value hidden`);
      }
      assert.deepEqual([flat?.fields.user, flat?.fields.messageId], [keep.user, keep.messageId]);
      assert.equal((nested?.fields.smtp as { auth: { user: string } }).auth.user, 'alice');
      assert.deepEqual([tagged?.fields.user, tagged?.fields.messageId], [keep.user, keep.messageId]);
    });

    void it('never writes a message body, under a body name or as bytes', () => {
      const raw = `Subject: your code\r\n\r\n${BODY_TEXT}\r\n`;
      logger.info('accepted', {
        body: BODY_TEXT,
        raw,
        data: { text: BODY_TEXT },
        message: new TextEncoder().encode(BODY_TEXT),
        attachment: Buffer.from(BODY_TEXT),
      });
      logger.child({ body: BODY_TEXT }).info('tagged');
      assertNotWritten(text(), [BODY_TEXT, 'one-time code']);
      assert.equal(entries().length, 2);
    });

    void it('never writes a long text whole, whatever its name', () => {
      const long = `${'lorem ipsum dolor sit amet '.repeat(8000)}END-OF-BODY`;
      logger.info('parsed', { text: long, nested: { html: long } });
      assertNotWritten(text(), ['END-OF-BODY']);
      const { fields } = only(entries());
      assert.ok(
        String(fields.text).length < long.length / 10,
        `${String(fields.text).length} characters written`,
      );
    });

    void it("leaves the caller's fields as they were, and survives a cycle", () => {
      const fields: Record<string, unknown> = { nested: { password: SECRETS.password }, list: [1, 2] };
      fields.self = fields;
      assert.doesNotThrow(() => logger.info('cyclic', fields));
      assert.equal((fields.nested as { password: string }).password, SECRETS.password);
      assert.equal(fields.self, fields);
      assertNotWritten(text(), [SECRETS.password]);
      assert.deepEqual(only(entries()).fields.list, [1, 2]);
    });
  });
}
