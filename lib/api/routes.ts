// The JSON API's route table (DESIGN §7), shared by tests and anything that dispatches by path.
// Next.js serves the same handlers from app/api/**/route.ts.
import type { ApiMethod, Handler } from './http.js';

export interface Route {
  /** path pattern; `:name` segments become params */
  path: string;
  /** `handler` answers GET; `methods` the others the route takes (with a JSON body for POST/PUT) */
  load: () => Promise<{ handler: Handler; methods?: Partial<Record<Exclude<ApiMethod, 'GET'>, Handler>> }>;
}

export const routes: Route[] = [
  { path: '/api/health', load: () => import('./health.js') },
  { path: '/api/topology', load: () => import('./topology.js') },
  { path: '/api/requests', load: () => import('./requests.js') },
  { path: '/api/requests/:traceId', load: () => import('./request.js') },
  { path: '/api/lag', load: () => import('./lag.js') },
  { path: '/api/anomalies', load: () => import('./anomalies.js') },
  { path: '/api/throughput', load: () => import('./throughput.js') },
  { path: '/api/pathways', load: () => import('./pathways.js') },
  { path: '/api/environments', load: () => import('./environments.js') },
  { path: '/api/patterns', load: () => import('./patterns.js') },
  { path: '/api/export/mermaid', load: async () => ({ handler: (await import('./export.js')).mermaidHandler }) },
  { path: '/api/export/asyncapi', load: async () => ({ handler: (await import('./export.js')).asyncApiHandler }) },
  { path: '/api/transactions/:key/:value', load: () => import('./transactions.js') },
  { path: '/api/flows', load: () => import('./flows.js') },
  { path: '/api/flows/stuck', load: async () => ({ handler: (await import('./flows.js')).stuckHandler }) },
  {
    path: '/api/alerts',
    load: async () => {
      const m = await import('./alerts.js');
      return { handler: m.listHandler, methods: { POST: m.createHandler } };
    },
  },
  {
    path: '/api/alerts/:id',
    load: async () => {
      const m = await import('./alerts.js');
      return { handler: m.ruleHandler, methods: { PUT: m.updateHandler, DELETE: m.deleteHandler } };
    },
  },
];

/** A path segment percent-decoded; a malformed escape (`%zz`) stays as sent, for the handler to reject. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function matchRoute(pathname: string): { route: Route; params: Record<string, string> } | undefined {
  const parts = pathname.replace(/\/+$/, '').split('/');
  for (const route of routes) {
    const pattern = route.path.split('/');
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const hit = pattern.every((seg, i) => {
      if (seg.startsWith(':')) {
        params[seg.slice(1)] = decodeSegment(parts[i]!);
        return true;
      }
      return seg === parts[i];
    });
    if (hit) return { route, params };
  }
  return undefined;
}
