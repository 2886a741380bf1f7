// GET /api/requests — recent requests (one row per trace) with filters: service, destination,
// messageId, traceId, attribute=key=value, errorOnly, limit, from/to, env, namespace (the resources', exact).
import { listRequests, type RequestFilters, type RequestRow } from '../analysis/requests.js';
import { ApiError, depsOf, ok, type ApiDeps, type Handler } from './http.js';
import { boolParam, intParam, rejectUnknown, shown, textParam, TRACE_ID } from './params.js';
import { parseTimeRange } from './time.js';
import { ENV_PARAMS, parseEnvFilter } from './env.js';

const PARAMS = ['from', 'to', 'service', 'destination', 'messageId', 'traceId', 'attribute', 'errorOnly', 'limit', ...ENV_PARAMS];

export function parseRequestFilters(url: URL, now: Date): RequestFilters {
  rejectUnknown(url, PARAMS);
  const range = parseTimeRange(url, now, 'now-1h');
  const traceId = textParam(url, 'traceId');
  const attribute = textParam(url, 'attribute');
  return {
    ...range,
    service: textParam(url, 'service'),
    destination: textParam(url, 'destination'),
    messageId: textParam(url, 'messageId'),
    traceId: traceId === undefined ? undefined : requestTraceId(traceId),
    attribute: attribute === undefined ? undefined : requestAttribute(attribute),
    errorOnly: boolParam(url, 'errorOnly', false),
    limit: intParam(url, 'limit', 50, 1, 500),
    ...parseEnvFilter(url),
  };
}

/** The traceId filter: 32 hex characters, lower-cased. */
export function requestTraceId(raw: string): string {
  const traceId = raw.toLowerCase();
  if (!TRACE_ID.test(traceId)) throw new ApiError(`traceId: expected 32 hex characters, got ${shown(traceId)}`);
  return traceId;
}

/** The attribute filter: key=value (the value may be empty, the key may not). */
export function requestAttribute(raw: string): NonNullable<RequestFilters['attribute']> {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw new ApiError(`attribute: expected key=value, got ${shown(raw)}`);
  return { key: raw.slice(0, eq), value: raw.slice(eq + 1) };
}

export interface RequestsResult {
  range: { from: string; to: string };
  requests: RequestRow[];
}

/** Recent requests matching validated filters (the dashboard calls this directly). */
export async function getRequests({ store }: ApiDeps, filters: RequestFilters): Promise<RequestsResult> {
  return {
    range: { from: new Date(filters.fromMs).toISOString(), to: new Date(filters.toMs).toISOString() },
    requests: await listRequests(store, filters),
  };
}

export const handler: Handler = async (ctx) => ok(await getRequests(depsOf(ctx), parseRequestFilters(ctx.url, ctx.now)));
