// Server-side data access for dashboard pages: calls the JSON API handlers in-process (the same
// functions /api/* serves, via the route table), so pages and API never disagree and no HTTP
// round trip is made. Only import from server components.
import { connection } from 'next/server';
import { runHandler } from '../api/http.js';
import { getListeners } from '../runtime.js';
import { matchRoute } from '../api/routes.js';
import { getStore } from '../runtime.js';

export type ApiOutcome<T> = { ok: true; data: T } | { ok: false; status: number; error: string };

/** GET an API path (`/api/topology?from=now-1h&to=now`) through its handler. Never throws. */
export async function apiGet<T>(pathWithQuery: string): Promise<ApiOutcome<T>> {
  await connection(); // request-time data: never prerender at build time
  const url = new URL(pathWithQuery, 'http://eventscope.local');
  const match = matchRoute(url.pathname);
  if (!match) return { ok: false, status: 404, error: `no API route for ${url.pathname}` };
  try {
    const { handler } = await match.route.load();
    const result = await runHandler(handler, { store: await getStore(), url, params: match.params, now: new Date() });
    if (result.status >= 200 && result.status < 300) return { ok: true, data: result.body as T };
    const error = (result.body as { error?: unknown } | null)?.error;
    return { ok: false, status: result.status, error: typeof error === 'string' ? error : `HTTP ${result.status}` };
  } catch (err) {
    // e.g. the store cannot be opened (data folder locked by another process)
    return { ok: false, status: 500, error: err instanceof Error ? err.message : String(err) };
  }
}

/** The OTLP/HTTP endpoint senders should use, for the "how to send data" help. */
export function otlpHttpEndpoint(): string {
  const running = getListeners();
  if (running) return running.otlpHttpUrl;
  const host = process.env.EVENTSCOPE_HOST || '127.0.0.1';
  const port = Number(process.env.EVENTSCOPE_OTLP_HTTP_PORT) || 4318;
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
}
