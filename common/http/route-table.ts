/**
 * The registered routes as path patterns with their methods, collected through fastify's
 * `onRoute` (every plugin's routes included), so an unmatched request can be told apart:
 * 405 with `Allow` when the path exists under another method (HEAD on a POST route, GET on a
 * command), 404 when it does not. Nothing else about the routes is revealed.
 */
import type { FastifyInstance } from 'fastify';

interface KnownPath {
  pattern: RegExp;
  methods: Set<string>;
}

function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/** The path part of a request target (origin-form or absolute-form), without the query. */
export function requestPath(target: string): string {
  const withoutOrigin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.test(target) ? target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '') || '/' : target;
  return withoutOrigin.split('?')[0] ?? '';
}

export class RouteTable {
  readonly #paths = new Map<string, KnownPath>();

  /** Starts collecting; call before any route is registered. */
  collect(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const known = this.#paths.get(route.url) ?? { pattern: patternOf(route.url), methods: new Set<string>() };
      for (const method of methods) known.methods.add(method);
      if (known.methods.has('GET')) known.methods.add('HEAD');
      this.#paths.set(route.url, known);
    });
  }

  /** The methods a path is served with, or undefined when no route has that path. */
  methodsFor(target: string): string[] | undefined {
    let path = requestPath(target);
    try {
      path = decodeURI(path);
    } catch {
      return undefined;
    }
    const methods = new Set<string>();
    for (const known of this.#paths.values()) if (known.pattern.test(path)) for (const method of known.methods) methods.add(method);
    return methods.size > 0 ? [...methods].sort(methodOrder) : undefined;
  }
}

const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

function methodOrder(a: string, b: string): number {
  return (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99);
}
