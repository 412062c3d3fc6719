import { invalid } from '../errors.ts';
import type { EndpointRef } from './endpoint-directory.ts';
import { RETURN_PATH_ROUTE, WILDCARD_ROUTE, type RouteMode } from './route-schemas.ts';

/** A route as it will be once a create or update is applied. */
export interface RouteShape {
  name: string;
  hasDomain: boolean;
  mode: RouteMode;
  endpoint: EndpointRef | null;
  additional: readonly EndpointRef[];
}

const sameRef = (a: EndpointRef, b: EndpointRef): boolean => a.type === b.type && a.uuid === b.uuid;

/**
 * Postal's rules on what a route may point at (app/models/route.rb, additional_route_endpoint.rb);
 * throws a 400 naming the offending field. Whether the domain and endpoints exist is checked
 * against the database afterwards.
 */
export function checkRouteShape(shape: RouteShape): void {
  const returnPath = shape.name === RETURN_PATH_ROUTE;
  if (returnPath && shape.hasDomain) throw invalid('domain', 'the __returnpath__ route has no domain');
  if (!returnPath && !shape.hasDomain) throw invalid('domain', 'required: a verified domain of the server');
  if (returnPath && shape.mode !== 'Endpoint') {
    throw invalid('mode', 'the __returnpath__ route must deliver to an HTTP endpoint');
  }
  if (shape.mode === 'Endpoint' && !shape.endpoint) throw invalid('endpoint', 'required in Endpoint mode');
  if (shape.mode !== 'Endpoint' && shape.endpoint) throw invalid('endpoint', 'only Endpoint routes have one');
  if (shape.mode !== 'Endpoint' && shape.additional.length > 0) {
    throw invalid('additional_endpoints', 'only Endpoint routes have additional endpoints');
  }
  if (returnPath && shape.endpoint?.type !== 'http') {
    throw invalid('endpoint', 'the __returnpath__ route takes an HTTP endpoint only');
  }
  shape.additional.forEach((ref, index) => {
    const field = `additional_endpoints.${index}`;
    if (returnPath && ref.type !== 'http') {
      throw invalid(field, 'the __returnpath__ route takes HTTP endpoints only');
    }
    if (shape.name === WILDCARD_ROUTE && ref.type !== 'http') {
      throw invalid(field, 'wildcard routes take no SMTP or address endpoints as additional endpoints');
    }
    if (shape.endpoint && sameRef(ref, shape.endpoint)) throw invalid(field, "already the route's endpoint");
    if (shape.additional.slice(0, index).some((other) => sameRef(other, ref))) {
      throw invalid(field, 'listed twice');
    }
  });
}
