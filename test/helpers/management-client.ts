import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../core/context.ts';
import { createUser } from '../../core/users/users.ts';
import { createHandler } from '../../lambdas/management/handler.ts';
import type { HttpEvent, HttpResult } from '../../lambdas/http/http-types.ts';
import { lambdaContext } from '../../bin/local/lambda-context.ts';

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  // Tests inspect bodies freely; each assertion says what it expects.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface ManagementClient {
  request(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string | null; raw?: string; contentType?: string },
  ): Promise<ApiResponse>;
  /** Creates a user directly and logs in, returning their bearer token. */
  userToken(email: string, options?: { admin?: boolean; organizations?: string[] }): Promise<string>;
}

/**
 * Calls the management handler with the API Gateway events the cloud would send, so tests
 * exercise the real router, authentication and error mapping without a socket.
 */
export function managementClient(ctx: AppContext): ManagementClient {
  const handler = createHandler(async () => ctx);
  const client: ManagementClient = {
    async request(method, path, options = {}) {
      const url = new URL(path, 'http://localhost');
      const query: Record<string, string> = {};
      url.searchParams.forEach((value, name) => (query[name] = value));
      const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
      const headers: Record<string, string> = { 'user-agent': 'management-client-test' };
      if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const event: HttpEvent = {
        version: '2.0',
        routeKey: 'ANY /management/v1/{proxy+}',
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
        requestContext: {
          accountId: 'test',
          apiId: 'test',
          domainName: 'localhost',
          domainPrefix: 'localhost',
          http: {
            method,
            path: url.pathname,
            protocol: 'HTTP/1.1',
            sourceIp: '203.0.113.9',
            userAgent: 'test',
          },
          requestId: randomUUID(),
          routeKey: 'ANY /management/v1/{proxy+}',
          stage: '$default',
          time: new Date().toUTCString(),
          timeEpoch: Date.now(),
        },
        ...(body !== undefined ? { body } : {}),
        isBase64Encoded: false,
      };
      const result = (await handler(event, lambdaContext('management', 29))) as HttpResult;
      const text = result.body ?? '';
      return {
        status: result.statusCode ?? 200,
        headers: Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)])),
        // Exports (text/csv) come back as text; everything else is JSON.
        body: !text ? null : /json/.test(String(result.headers?.['content-type'])) ? JSON.parse(text) : text,
      };
    },
    async userToken(email, options = {}) {
      const password = `pw-${randomUUID()}`;
      await createUser(ctx, null, {
        email,
        first_name: email.split('@')[0] ?? 'user',
        last_name: '',
        password,
        admin: options.admin ?? false,
        time_zone: 'UTC',
        organizations: options.organizations ?? [],
      });
      const login = await client.request('POST', '/management/v1/sessions', {
        body: { email, password },
        token: null,
      });
      if (login.status !== 201) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
      return login.body.token as string;
    },
  };
  return client;
}
