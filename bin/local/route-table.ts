import type { HttpMethod, HttpRoute } from '../../lambdas/topology.ts';

// API Gateway's route matching, for the local HTTP server: literal segments, `{name}` for one
// segment and a final `{proxy+}` for the rest; the most specific route wins.

export interface RouteMatch<T> {
  target: T;
  routeKey: string;
  pathParameters: Record<string, string>;
}

interface Entry<T> {
  method: HttpMethod;
  segments: string[];
  routeKey: string;
  target: T;
}

function specificity(entry: Entry<unknown>): number {
  return entry.segments.reduce((score, segment) => {
    if (segment.endsWith('+}')) return score;
    return score + (segment.startsWith('{') ? 1 : 2);
  }, 0);
}

export class RouteTable<T> {
  readonly #entries: Entry<T>[] = [];

  add(route: HttpRoute, target: T): void {
    this.#entries.push({
      method: route.method,
      segments: route.path.split('/').filter(Boolean),
      routeKey: `${route.method} ${route.path}`,
      target,
    });
    this.#entries.sort((a, b) => specificity(b) - specificity(a) || (a.method === 'ANY' ? 1 : -1));
  }

  match(method: string, path: string): RouteMatch<T> | null {
    const parts = path.split('/').filter(Boolean);
    for (const entry of this.#entries) {
      if (entry.method !== 'ANY' && entry.method !== method) continue;
      const parameters = matchSegments(entry.segments, parts);
      if (parameters) return { target: entry.target, routeKey: entry.routeKey, pathParameters: parameters };
    }
    return null;
  }
}

function matchSegments(segments: readonly string[], parts: readonly string[]): Record<string, string> | null {
  const parameters: Record<string, string> = {};
  for (let index = 0; index < segments.length; index += 1) {
    const segment = segments[index] ?? '';
    const greedy = /^\{(\w+)\+\}$/.exec(segment);
    if (greedy) {
      const rest = parts.slice(index);
      if (rest.length === 0) return null;
      parameters[greedy[1] ?? 'proxy'] = rest.join('/');
      return parameters;
    }
    const part = parts[index];
    if (part === undefined) return null;
    const named = /^\{(\w+)\}$/.exec(segment);
    if (named) parameters[named[1] ?? ''] = part;
    else if (segment !== part) return null;
  }
  return segments.length === parts.length ? parameters : null;
}
