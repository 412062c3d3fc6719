import {
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { FunctionSpec, HttpMethod as TopologyMethod } from '../lambdas/topology.ts';

export interface ApiProps {
  /** The functions of the topology; those with `http` triggers get routes. */
  functions: readonly FunctionSpec[];
  /** The Lambda functions by topology name. */
  lambdas: ReadonlyMap<string, IFunction>;
}

const methods: Readonly<Record<TopologyMethod, HttpMethod>> = {
  GET: HttpMethod.GET,
  POST: HttpMethod.POST,
  PUT: HttpMethod.PUT,
  PATCH: HttpMethod.PATCH,
  DELETE: HttpMethod.DELETE,
  ANY: HttpMethod.ANY,
};

/** Whether any function of the topology has an HTTP route (an HTTP API needs at least one). */
export const hasHttpRoutes = (functions: readonly FunctionSpec[]): boolean =>
  functions.some((fn) => fn.triggers.some((trigger) => trigger.kind === 'http' && trigger.routes.length > 0));

/**
 * One API Gateway HTTP API carrying every HTTP route of every function of the topology.
 *
 * Defaults:
 * - Each function gets one Lambda integration with payload format 2.0 (the event the local runtime
 *   also builds), shared by all its routes; `ANY` routes match every method.
 * - The `$default` stage deploys every change automatically, at the URL API Gateway assigns
 *   (`url`); no custom domain, no authorizer at the gateway (handlers authenticate), no CORS.
 *
 * Checks: two functions declaring the same method and path fail synthesis with a sentence naming both.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, `${id}-HttpApi`, { createDefaultStage: true });
    const owners = new Map<string, string>();
    for (const spec of props.functions) {
      const routes = spec.triggers.flatMap((trigger) => (trigger.kind === 'http' ? trigger.routes : []));
      if (routes.length === 0) continue;
      const fn = props.lambdas.get(spec.name);
      if (fn === undefined) {
        throw new Error(`Function "${spec.name}" has HTTP routes but no Lambda function was built for it.`);
      }
      const integration = new HttpLambdaIntegration(`${id}-${spec.name}-Integration`, fn, {
        payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      });
      for (const route of routes) {
        const key = `${route.method} ${route.path}`;
        const owner = owners.get(key);
        if (owner !== undefined) {
          throw new Error(`The route "${key}" is declared by both "${owner}" and "${spec.name}".`);
        }
        owners.set(key, spec.name);
        new HttpRoute(this, `${id}-${key}`, {
          httpApi: this.httpApi,
          routeKey: HttpRouteKey.with(route.path, methods[route.method]),
          integration,
        });
      }
    }
  }

  /** The URL of the `$default` stage. */
  get url(): string {
    const url = this.httpApi.url;
    if (url === undefined) throw new Error('The HTTP API has no default stage.');
    return url;
  }
}
