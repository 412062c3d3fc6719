import { randomUUID } from 'node:crypto';
import { hashSecret } from '../../../core/auth/secret-hash.ts';
import type { AppContext } from '../../../core/context.ts';
import type { SqlDialect } from '../../../core/db/sql-dialect.ts';
import { AcceptedMessage, INGEST_QUEUE } from '../../../core/messages/accepted-message.ts';
import type { PolicySnapshot } from '../../../core/policy/policy-snapshot.ts';
import { lambdaContext } from '../../../bin/local/lambda-context.ts';
import { createHandler } from '../../../lambdas/api/handler.ts';
import type { HttpEvent, HttpResult } from '../../../lambdas/http/http-types.ts';
import { CREDENTIAL_ID, SERVER_ID, SMTP_KEY, testSnapshot } from '../../helpers/policy-fixtures.ts';
import { createTestContext, type TestContext } from '../../helpers/test-context.ts';

// The send API's tests call the real handler with the API Gateway events the cloud would send,
// on a full AppContext whose policy snapshot carries one API credential of the fixture server.

export const API_KEY = 'ApiKey7mQ2pR9sT4vW8yZ3bC';
export const API_CREDENTIAL_ID = 101;
export const OTHER_SERVER_ID = 11;
export const OTHER_API_KEY = 'OtherKeyQ2pR9sT4vW8yZ3bC';

/** The fixture snapshot plus API credentials for the fixture server and for a second server. */
export function apiSnapshot(overrides: Partial<PolicySnapshot> = {}): PolicySnapshot {
  const base = testSnapshot();
  return testSnapshot({
    servers: [
      ...base.servers,
      { ...base.servers[0]!, id: OTHER_SERVER_ID, uuid: randomUUID(), token: 'oth456', permalink: 'other' },
    ],
    credentials: [
      { id: CREDENTIAL_ID, serverId: SERVER_ID, type: 'SMTP', keyHash: hashSecret(SMTP_KEY), hold: false },
      { id: API_CREDENTIAL_ID, serverId: SERVER_ID, type: 'API', keyHash: hashSecret(API_KEY), hold: false },
      { id: 102, serverId: OTHER_SERVER_ID, type: 'API', keyHash: hashSecret(OTHER_API_KEY), hold: false },
    ],
    ...overrides,
  });
}

export interface ApiReply {
  httpStatus: number;
  headers: Record<string, string>;
  // Tests inspect bodies freely; each assertion says what it expects.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface CallOptions {
  /** null sends no X-Server-API-Key header. */
  key?: string | null;
  method?: string;
  /** Send the params as a form field `params` holding JSON, as Moonrope clients did. */
  form?: boolean;
  /** A body sent as is, with `contentType`. */
  raw?: string;
  contentType?: string;
  query?: string;
  sourceIp?: string;
}

export interface ApiClient {
  call(path: string, params?: unknown, options?: CallOptions): Promise<ApiReply>;
}

export function apiClient(ctx: AppContext): ApiClient {
  const handler = createHandler(async () => ctx);
  return {
    async call(path, params = {}, options = {}) {
      const url = path.startsWith('/') ? path : `/api/v1/${path}`;
      const method = options.method ?? 'POST';
      const headers: Record<string, string> = { 'user-agent': 'api-test' };
      const key = options.key === undefined ? API_KEY : options.key;
      if (key !== null) headers['x-server-api-key'] = key;
      let body: string | undefined;
      if (options.raw !== undefined) {
        body = options.raw;
        headers['content-type'] = options.contentType ?? 'application/json';
      } else if (options.form) {
        body = new URLSearchParams({ params: JSON.stringify(params) }).toString();
        headers['content-type'] = 'application/x-www-form-urlencoded';
      } else if (method !== 'GET') {
        body = JSON.stringify(params);
        headers['content-type'] = 'application/json';
      }
      const routeKey = url.startsWith('/api/') ? 'ANY /api/v1/{proxy+}' : `${method} ${url}`;
      const event: HttpEvent = {
        version: '2.0',
        routeKey,
        rawPath: url,
        rawQueryString: options.query ?? '',
        headers,
        requestContext: {
          accountId: 'test',
          apiId: 'test',
          domainName: 'localhost',
          domainPrefix: 'localhost',
          http: {
            method,
            path: url,
            protocol: 'HTTP/1.1',
            sourceIp: options.sourceIp ?? '203.0.113.9',
            userAgent: 'api-test',
          },
          requestId: randomUUID(),
          routeKey,
          stage: '$default',
          time: new Date().toUTCString(),
          timeEpoch: Date.now(),
        },
        ...(body !== undefined ? { body } : {}),
        isBase64Encoded: false,
      };
      const result = (await handler(event, lambdaContext('api', 29))) as HttpResult;
      return {
        httpStatus: result.statusCode ?? 200,
        headers: Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)])),
        body: result.body ? JSON.parse(result.body) : null,
      };
    },
  };
}

export interface ApiFixture extends TestContext {
  api: ApiClient;
  /** Envelopes on the ingest queue, taken off it (each call returns the new ones). */
  takeEnvelopes(): Promise<AcceptedMessage[]>;
  /** The stored blob as a Buffer, or null. */
  blob(key: string): Promise<Buffer | null>;
}

export async function createApiFixture(dialect: SqlDialect, snapshot = apiSnapshot()): Promise<ApiFixture> {
  const test = await createTestContext(dialect);
  test.snapshots.push(snapshot);
  return {
    ...test,
    api: apiClient(test.ctx),
    async takeEnvelopes() {
      const messages = await test.ctx.queue.receive(INGEST_QUEUE, { max: 100 });
      for (const message of messages) await test.ctx.queue.delete(INGEST_QUEUE, message.receiptHandle);
      return messages.map((message) => AcceptedMessage.parse(JSON.parse(message.body)));
    },
    async blob(key) {
      const object = await test.ctx.blobs.get(key);
      return object && object !== 'not-modified' ? Buffer.from(object.body) : null;
    },
  };
}
