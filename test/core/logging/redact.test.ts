import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_STRING_LENGTH, REDACTED, redact } from '../../../core/logging/redact.ts';

void describe('redact', () => {
  void it('replaces secrets and bodies by name, at any depth and in any case', () => {
    const fields = {
      user: 'alice@example.com',
      password: 'hunter2',
      Authorization: 'Basic YWxpY2U6aHVudGVyMg==',
      smtp: { auth: { user: 'alice', pass: 'hunter2' } },
      headers: [{ cookie: 'session=abc' }, { 'set-cookie': 'session=def' }],
      api_key: 'pk_live_123',
      session_token: 't0k3n',
      apiKey: 'camel',
      clientSecret: 'camel',
      secret: 's',
      token: 't',
      key: 'k',
      body: 'Subject: private',
      raw: 'From: a',
      data: { anything: true },
      messageId: 42,
    };
    assert.deepEqual(redact(fields), {
      user: 'alice@example.com',
      password: REDACTED,
      Authorization: REDACTED,
      smtp: { auth: { user: 'alice', pass: REDACTED } },
      headers: [{ cookie: REDACTED }, { 'set-cookie': REDACTED }],
      api_key: REDACTED,
      session_token: REDACTED,
      apiKey: REDACTED,
      clientSecret: REDACTED,
      secret: REDACTED,
      token: REDACTED,
      key: REDACTED,
      body: REDACTED,
      raw: REDACTED,
      data: REDACTED,
      messageId: 42,
    });
  });

  void it('keeps names that merely contain a secret word', () => {
    const fields = {
      monkey: 'banana',
      keyboard: 'qwerty',
      tokens_used: 3,
      passage: 'x',
      database: 'postern',
    };
    assert.deepEqual(redact(fields), fields);
  });

  void it('copies rather than changes its input', () => {
    const fields = { nested: { password: 'hunter2' }, list: [1, 2] };
    const copy = redact(fields);
    assert.equal(fields.nested.password, 'hunter2');
    assert.notEqual(copy.nested, fields.nested);
    assert.notEqual(copy.list, fields.list);
  });

  void it('caps long strings', () => {
    const long = 'a'.repeat(10_000);
    const capped = redact({ response: long, nested: [long] }) as { response: string; nested: string[] };
    assert.ok(capped.response.startsWith('a'.repeat(MAX_STRING_LENGTH)));
    assert.ok(capped.response.length < MAX_STRING_LENGTH + 40, `length ${capped.response.length}`);
    assert.match(capped.response, /8000 more characters/);
    assert.equal(capped.nested[0], capped.response);
    assert.equal(redact({ exact: 'b'.repeat(MAX_STRING_LENGTH) }).exact, 'b'.repeat(MAX_STRING_LENGTH));
  });

  void it('turns values JSON cannot carry into ones it can', () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const error = Object.assign(new Error('connect ECONNREFUSED', { cause: new Error('socket closed') }), {
      code: 'ECONNREFUSED',
      password: 'x',
    });
    const out = redact({
      circular,
      error,
      size: 10n,
      when: new Date(Date.UTC(2026, 10, 25)),
      bytes: new Uint8Array(1234),
      callback: () => 1,
    });
    assert.deepEqual(out.circular, { name: 'loop', self: '[circular]' });
    const loggedError = out.error as Record<string, unknown>;
    assert.equal(loggedError.message, 'connect ECONNREFUSED');
    assert.equal(loggedError.code, 'ECONNREFUSED');
    assert.equal(loggedError.password, REDACTED);
    assert.match(String(loggedError.stack), /ECONNREFUSED/);
    assert.equal((loggedError.cause as Record<string, unknown>).message, 'socket closed');
    assert.equal(out.size, '10');
    assert.equal(out.when, '2026-11-25T00:00:00.000Z');
    assert.equal(out.bytes, '[1234 bytes]');
    assert.doesNotThrow(() => JSON.stringify(out));
  });

  void it('keeps a value shared by two fields in both', () => {
    const shared = { id: 1 };
    assert.deepEqual(redact({ a: shared, b: shared }), { a: { id: 1 }, b: { id: 1 } });
  });
});
