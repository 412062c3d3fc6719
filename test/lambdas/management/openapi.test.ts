import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { managementEndpoints } from '../../../lambdas/management/endpoints.ts';
import { openApiDocument } from '../../../lambdas/management/handler.ts';

describe('the management OpenAPI document', () => {
  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(openApiDocument));
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(validator.version, '3.1');
  });

  it('lists every route of the management API, and itself', () => {
    const paths = openApiDocument.paths as Record<string, Record<string, unknown>>;
    for (const endpoint of managementEndpoints) {
      assert.ok(paths[endpoint.path]?.[endpoint.method.toLowerCase()], `${endpoint.method} ${endpoint.path}`);
    }
    assert.ok(paths['/management/v1/openapi.json']?.get);
    const operations = Object.values(paths).reduce((n, item) => n + Object.keys(item).length, 0);
    assert.equal(operations, managementEndpoints.length + 1);
  });

  it('documents request bodies with their unknown-field rule and required fields', () => {
    const paths = openApiDocument.paths as Record<
      string,
      Record<
        string,
        {
          requestBody?: {
            content: Record<string, { schema: { additionalProperties?: unknown; required?: string[] } }>;
          };
        }
      >
    >;
    const create =
      paths['/management/v1/organizations/{org}/servers']?.post?.requestBody?.content['application/json']
        ?.schema;
    assert.equal(create?.additionalProperties, false);
    assert.deepEqual(create?.required, ['name']);
  });

  it('has a unique operationId for each operation', () => {
    const ids = Object.values(
      openApiDocument.paths as Record<string, Record<string, { operationId: string }>>,
    ).flatMap((item) => Object.values(item).map((operation) => operation.operationId));
    assert.equal(new Set(ids).size, ids.length);
  });
});
