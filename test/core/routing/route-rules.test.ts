import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PosternError } from '../../../core/errors.ts';
import { checkRouteShape, type RouteShape } from '../../../core/routing/route-rules.ts';

const http = { type: 'http' as const, uuid: '00000000-0000-4000-8000-000000000001' };
const http2 = { type: 'http' as const, uuid: '00000000-0000-4000-8000-000000000002' };
const smtp = { type: 'smtp' as const, uuid: '00000000-0000-4000-8000-000000000003' };
const address = { type: 'address' as const, uuid: '00000000-0000-4000-8000-000000000004' };

const base: RouteShape = {
  name: 'support',
  hasDomain: true,
  mode: 'Endpoint',
  endpoint: smtp,
  additional: [],
};

function refusedField(shape: Partial<RouteShape>): string | undefined {
  try {
    checkRouteShape({ ...base, ...shape });
    return undefined;
  } catch (error) {
    assert.ok(error instanceof PosternError);
    assert.equal(error.code, 'invalid_request');
    return error.details?.[0]?.field;
  }
}

describe('checkRouteShape', () => {
  it('accepts the shapes Postal accepts', () => {
    assert.equal(refusedField({}), undefined);
    assert.equal(refusedField({ mode: 'Accept', endpoint: null }), undefined);
    assert.equal(refusedField({ mode: 'Reject', endpoint: null }), undefined);
    assert.equal(refusedField({ additional: [http, address] }), undefined);
    assert.equal(refusedField({ name: '*', endpoint: smtp, additional: [http] }), undefined);
    assert.equal(
      refusedField({ name: '__returnpath__', hasDomain: false, endpoint: http, additional: [http2] }),
      undefined,
    );
  });

  it('requires a domain except for __returnpath__, which has none', () => {
    assert.equal(refusedField({ hasDomain: false }), 'domain');
    assert.equal(refusedField({ name: '__returnpath__', endpoint: http }), 'domain');
  });

  it('requires an endpoint in Endpoint mode and none in the others', () => {
    assert.equal(refusedField({ endpoint: null }), 'endpoint');
    assert.equal(refusedField({ mode: 'Hold' }), 'endpoint');
  });

  it('allows additional endpoints only in Endpoint mode', () => {
    assert.equal(
      refusedField({ mode: 'Accept', endpoint: null, additional: [http] }),
      'additional_endpoints',
    );
  });

  it('keeps SMTP and address endpoints off wildcard routes as additional endpoints', () => {
    assert.equal(refusedField({ name: '*', additional: [http, smtp] }), 'additional_endpoints.1');
    assert.equal(refusedField({ name: '*', additional: [address] }), 'additional_endpoints.0');
  });

  it('lets the __returnpath__ route deliver to HTTP endpoints only', () => {
    const returnPath = { name: '__returnpath__', hasDomain: false };
    assert.equal(refusedField({ ...returnPath, endpoint: smtp }), 'endpoint');
    assert.equal(refusedField({ ...returnPath, mode: 'Accept', endpoint: null }), 'mode');
    assert.equal(
      refusedField({ ...returnPath, endpoint: http, additional: [smtp] }),
      'additional_endpoints.0',
    );
  });

  it('refuses an endpoint listed twice', () => {
    assert.equal(refusedField({ additional: [smtp] }), 'additional_endpoints.0');
    assert.equal(refusedField({ additional: [http, address, http] }), 'additional_endpoints.2');
  });
});
