// Server-side data access for dashboard pages: pages call the API's typed core functions
// (lib/api/*.ts: validated input → result object) in-process, the same functions the /api/* route
// handlers call after parsing the query string, so pages and API never disagree and no URL is
// built and parsed back. Only import from server components.
import { connection } from 'next/server';
import { ApiError } from '../api/errors.js';
import type { ApiDeps } from '../api/http.js';
import { getConfig, getListeners, getStore } from '../runtime.js';

export type ApiOutcome<T> = { ok: true; data: T } | { ok: false; status: number; error: string };

/**
 * Runs a typed API function with the process's store, config and the current time. Never throws:
 * bad input (ApiError) keeps its status and sentence; anything else is logged whole and shown
 * without engine text, as the JSON API does — except a store that cannot be opened (a data folder
 * locked by another process), whose one sentence the operator needs to see.
 *
 *   const r = await load((deps) => getLag(deps, { fromMs, toMs, stepMs }));
 */
export async function load<T>(fn: (deps: ApiDeps) => Promise<T>): Promise<ApiOutcome<T>> {
  await connection(); // request-time data: never prerender at build time
  let deps: ApiDeps;
  try {
    deps = { store: await getStore(), now: new Date(), config: getConfig() };
  } catch (err) {
    return { ok: false, status: 500, error: err instanceof Error ? err.message : String(err) };
  }
  try {
    return { ok: true, data: await fn(deps) };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, status: err.status, error: err.message };
    console.error('[ui] a page query failed:', err);
    return { ok: false, status: 500, error: 'internal error; see the server log' };
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

/** Milliseconds between live refreshes of the dashboard pages (EVENTSCOPE_LIVE_INTERVAL_MS). */
export function liveIntervalMs(): number {
  return getConfig().ui.liveIntervalMs;
}
