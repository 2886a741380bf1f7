// GET /api/requests/{traceId}?maxDepth&maxSpans&anomalies — the stitched request timeline (DESIGN §6).
import { requestTimeline, TIMELINE_DEFAULTS, type Timeline, type TimelineQuery } from '../analysis/timeline.js';
import { ApiError, depsOf, ok, type ApiDeps, type Handler } from './http.js';
import { boolParam, intParam, rejectUnknown, shown, TRACE_ID } from './params.js';

const PARAMS = ['maxDepth', 'maxSpans', 'anomalies'];

/** A trace id as the path gives it: 32 hex characters, not all zero (lower-cased). */
export function parseTraceId(raw: string): string {
  const traceId = raw.toLowerCase();
  if (!TRACE_ID.test(traceId)) throw new ApiError(`traceId: expected 32 hex characters, got ${shown(raw)}`);
  if (/^0+$/.test(traceId)) throw new ApiError('traceId: the all-zero trace id is invalid');
  return traceId;
}

export function parseRequestInput(url: URL, params: Record<string, string>): TimelineQuery {
  const traceId = (params.traceId ?? '').toLowerCase();
  if (!TRACE_ID.test(traceId)) throw new ApiError(`traceId: expected 32 hex characters, got ${shown(params.traceId ?? '')}`);
  rejectUnknown(url, PARAMS);
  return {
    traceId: parseTraceId(traceId),
    maxDepth: intParam(url, 'maxDepth', TIMELINE_DEFAULTS.maxDepth, 0, TIMELINE_DEFAULTS.maxDepth),
    maxSpans: intParam(url, 'maxSpans', TIMELINE_DEFAULTS.maxSpans, 1, TIMELINE_DEFAULTS.maxSpans),
    anomalies: boolParam(url, 'anomalies', true),
  };
}

/** One request's timeline; a 404 ApiError when no span of the trace is stored (the dashboard calls this directly). */
export async function getRequest({ store }: ApiDeps, q: TimelineQuery): Promise<Timeline> {
  const timeline = await requestTimeline(store, q);
  if (!timeline) throw new ApiError(`trace ${q.traceId} not found`, 404);
  return timeline;
}

export const handler: Handler = async (ctx) => ok(await getRequest(depsOf(ctx), parseRequestInput(ctx.url, ctx.params)));
