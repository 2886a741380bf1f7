// Framework-free JSON API plumbing: every endpoint is a `Handler` (store + URL in, status + JSON
// out), wrapped for Next.js route handlers by `routeHandler` and called directly by tests.
import type { Config } from '../config/index.js';
import { getConfig, getStore } from '../runtime.js';
import type { Store } from '../store/index.js';
import { ApiError } from './errors.js';

export { ApiError };

export interface ApiContext {
  store: Store;
  url: URL;
  /** path parameters, e.g. { traceId } for /api/requests/[traceId] */
  params: Record<string, string>;
  /** the clock: relative times (now-15m) resolve against it */
  now: Date;
  /** the validated configuration; when absent, the process's (runtime.ts) */
  config?: Config;
  /** the HTTP method (default GET) */
  method?: ApiMethod;
  /** a POST/PUT request's JSON body, parsed (readJsonBody) */
  body?: unknown;
}

export const API_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
export type ApiMethod = (typeof API_METHODS)[number];

/** The largest JSON body an API request may send (an alert rule is well under 4 KiB). */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

/**
 * A request's JSON body: `Content-Type: application/json` (415 otherwise — which also keeps a
 * cross-site HTML form, which cannot send that type without a CORS preflight, from writing),
 * at most MAX_JSON_BODY_BYTES (413), valid JSON (400).
 */
export async function readJsonBody(request: Request, limit = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new ApiError(`send the body as Content-Type: application/json, got ${type ? shownType(type) : 'none'}`, 415);
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > limit) throw new ApiError(`body too large: at most ${limit} bytes`, 413);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw new ApiError(`body too large: at most ${limit} bytes`, 413);
      }
      chunks.push(value);
    }
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
  if (text.trim() === '') throw new ApiError('body: expected a JSON object, got an empty body');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError(`body: not valid JSON (${(err as Error).message.slice(0, 120)})`);
  }
}

const shownType = (t: string) => JSON.stringify(t.slice(0, 80));

/** The configuration a handler runs with. */
export const configOf = (ctx: ApiContext): Config => ctx.config ?? getConfig();

export interface ApiResult {
  status: number;
  /** JSON; a string is sent as is (an export: its content type in `headers`) */
  body: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: ApiContext) => Promise<ApiResult>;

/**
 * What an endpoint's typed core function needs besides its parsed input (no URL: pages call the
 * same functions with values they already hold).
 */
export interface ApiDeps {
  store: Store;
  /** the clock: "now" for lag status and ages */
  now: Date;
  config: Config;
}

export const depsOf = (ctx: ApiContext): ApiDeps => ({ store: ctx.store, now: ctx.now, config: configOf(ctx) });

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

/** Adapts a Handler to a Next.js App Router export (GET, or POST/PUT/DELETE with a JSON body). */
export function routeHandler(handler: Handler) {
  return async (request: Request, context: { params?: Promise<Record<string, string>> } = {}) => {
    const url = new URL(request.url);
    const method = (API_METHODS as readonly string[]).includes(request.method) ? (request.method as ApiMethod) : 'GET';
    let result: ApiResult;
    try {
      const params = (await context.params) ?? {};
      let body: unknown;
      if (method === 'POST' || method === 'PUT') {
        try {
          body = await readJsonBody(request);
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          result = { status: err.status, body: { error: err.message } };
          return Response.json(result.body, { status: result.status, headers: { 'cache-control': 'no-store' } });
        }
      }
      // the store is opened outside the handler: its failure (a locked data folder) is a JSON 500 too
      result = await runHandler(handler, { store: await getStore(), url, params, now: new Date(), method, body });
    } catch (err) {
      result = internalError(url, err);
    }
    if (typeof result.body === 'string') return new Response(result.body, { status: result.status, headers: { 'cache-control': 'no-store', ...result.headers } });
    return Response.json(result.body, {
      status: result.status,
      headers: { 'cache-control': 'no-store', ...result.headers },
    });
  };
}
