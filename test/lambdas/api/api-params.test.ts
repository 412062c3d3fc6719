import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpEvent } from '../../../lambdas/http/http-types.ts';
import { isBlank, isTruthy, messageIdParam, readApiParams, textOf } from '../../../lambdas/api/api-params.ts';
import { PostalParameterError } from '../../../lambdas/api/postal-envelope.ts';

const event = (options: {
  contentType?: string;
  body?: string;
  query?: string;
  base64?: boolean;
}): HttpEvent =>
  ({
    rawQueryString: options.query ?? '',
    headers: options.contentType ? { 'content-type': options.contentType } : {},
    ...(options.body !== undefined
      ? { body: options.base64 ? Buffer.from(options.body).toString('base64') : options.body }
      : {}),
    isBase64Encoded: options.base64 ?? false,
  }) as unknown as HttpEvent;

void describe('readApiParams', () => {
  void it('reads a JSON body, merged over the query string as Rails merges them', () => {
    assert.deepEqual(
      readApiParams(
        event({ contentType: 'application/json; charset=utf-8', body: '{"id":5}', query: 'id=1&x=2' }),
      ),
      { id: 5, x: '2' },
    );
    assert.deepEqual(readApiParams(event({ contentType: 'application/json', body: '' })), {});
    assert.deepEqual(readApiParams(event({ contentType: 'application/json', body: '[1,2]' })), {});
  });

  void it('reads the JSON in a `params` field of a form body, or of the query string', () => {
    const params = encodeURIComponent(JSON.stringify({ to: ['a@b.test'] }));
    assert.deepEqual(
      readApiParams(event({ contentType: 'application/x-www-form-urlencoded', body: `params=${params}` })),
      { to: ['a@b.test'] },
    );
    assert.deepEqual(readApiParams(event({ query: `params=${params}` })), { to: ['a@b.test'] });
    assert.deepEqual(
      readApiParams(
        event({ contentType: 'application/x-www-form-urlencoded', body: `params=${params}`, base64: true }),
      ),
      { to: ['a@b.test'] },
    );
    assert.deepEqual(readApiParams(event({ contentType: 'text/plain', body: '{"id":1}' })), {});
  });

  void it('answers a parameter error for JSON that does not parse', () => {
    assert.throws(
      () => readApiParams(event({ contentType: 'application/json', body: '{' })),
      PostalParameterError,
    );
    assert.throws(() => readApiParams(event({ query: 'params=%7B' })), PostalParameterError);
  });
});

void describe('Ruby-like readings', () => {
  void it('isBlank and isTruthy read values as Ruby does', () => {
    for (const value of [null, undefined, false, '', '  \n', [], {}]) assert.equal(isBlank(value), true);
    for (const value of [0, 'x', [1], { a: 1 }, true]) assert.equal(isBlank(value), false);
    for (const value of [0, '', 'false', true, []]) assert.equal(isTruthy(value), true);
    for (const value of [null, undefined, false]) assert.equal(isTruthy(value), false);
    assert.equal(textOf(5), '5');
    assert.equal(textOf({}), null);
  });

  void it("messageIdParam checks presence and type, then reads the id as Ruby's to_i", () => {
    assert.equal(messageIdParam({ id: 42 }), 42);
    assert.equal(messageIdParam({ id: '42abc' }), 42);
    assert.equal(messageIdParam({ id: 'abc' }), 0);
    assert.throws(() => messageIdParam({}), { message: '`id` parameter is required but is missing' });
    assert.throws(() => messageIdParam({ id: [1] }), {
      message: '`id` parameter must be a string or integer',
    });
    assert.throws(() => messageIdParam({ id: 1.5 }), {
      message: '`id` parameter must be a string or integer',
    });
  });
});
