// Framework-free JSON API plumbing: every endpoint is a `Handler` (store + URL in, status + JSON
// out), wrapped for Next.js route handlers by `routeHandler` and called directly by tests.
import type { Config } from '../config/index.js';
import { getConfig, getStore } from '../runtime.js';
import type { Store } from '../store/index.js';

export interface ApiContext {
  store: Store;
  url: URL;
  /** path parameters, e.g. { traceId } for /api/requests/[traceId] */
  params: Record<string, string>;
  /** the clock: relative times (now-15m) resolve against it */
  now: Date;
  /** the validated configuration; when absent, the process's (runtime.ts) */
  config?: Config;
}

/** The configuration a handler runs with. */
export const configOf = (ctx: ApiContext): Config => ctx.config ?? getConfig();

export interface ApiResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: ApiContext) => Promise<ApiResult>;

/** Thrown for bad input; becomes a 400 (or the given status) with `{ error }`. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export function ok(body: unknown): ApiResult {
  return { status: 200, body };
}

/**
 * A failure that is not the client's: logged whole, answered without its text (an engine error
 * names tables, queries and versions; none of that is the client's business).
 */
function internalError(url: URL, err: unknown): ApiResult {
  console.error(`[api] ${url.pathname} failed:`, err);
  return { status: 500, body: { error: 'internal error; see the server log' } };
}

/** Runs a handler, turning ApiError into its status and anything else into a 500. */
export async function runHandler(handler: Handler, ctx: ApiContext): Promise<ApiResult> {
  try {
    return await handler(ctx);
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, body: { error: err.message } };
    return internalError(ctx.url, err);
  }
}

/** Adapts a Handler to a Next.js App Router GET export. */
export function routeHandler(handler: Handler) {
  return async (request: Request, context: { params?: Promise<Record<string, string>> } = {}) => {
    const url = new URL(request.url);
    let result: ApiResult;
    try {
      const params = (await context.params) ?? {};
      // the store is opened outside the handler: its failure (a locked data folder) is a JSON 500 too
      result = await runHandler(handler, { store: await getStore(), url, params, now: new Date() });
    } catch (err) {
      result = internalError(url, err);
    }
    return Response.json(result.body, {
      status: result.status,
      headers: { 'cache-control': 'no-store', ...result.headers },
    });
  };
}
