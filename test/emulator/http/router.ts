/** Matches a method + path against registered RouteDefs (patterns like `/roles/:id/users`). */
import type { HttpMethod, RouteDef } from './types.js';

interface Compiled {
  route: RouteDef;
  segments: string[];
}

export interface Match {
  route: RouteDef;
  params: Record<string, string>;
}

export class Router {
  private readonly routes: Compiled[] = [];

  add(...routes: RouteDef[]): void {
    for (const route of routes) {
      this.routes.push({ route, segments: split(route.pattern) });
    }
    // literal segments win over parameters: `/users-by-email` before `/:id`-style routes
    this.routes.sort((a, b) => specificity(b.segments) - specificity(a.segments));
  }

  /** The matching route, or `methodNotAllowed` when the path exists for another method. */
  match(method: HttpMethod, path: string): Match | { methodNotAllowed: true } | undefined {
    const parts = split(path);
    let pathExists = false;
    for (const { route, segments } of this.routes) {
      const params = matchSegments(segments, parts);
      if (!params) continue;
      if (route.method === method) return { route, params };
      pathExists = true;
    }
    return pathExists ? { methodNotAllowed: true } : undefined;
  }

  list(): RouteDef[] {
    return this.routes.map((c) => c.route);
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function specificity(segments: string[]): number {
  return segments.reduce((n, s) => n + (s.startsWith(':') ? 1 : 10), 0) * 100 + segments.length;
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const v = parts[i] as string;
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(v);
      } catch {
        return undefined;
      }
    } else if (p !== v) {
      return undefined;
    }
  }
  return params;
}
