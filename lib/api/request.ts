// GET /api/requests/{traceId}?maxDepth&maxSpans&anomalies — the stitched request timeline (DESIGN §6).
import { requestTimeline, TIMELINE_DEFAULTS } from '../analysis/timeline.js';
import { ApiError, ok, type Handler } from './http.js';

export function intParam(url: URL, name: string, def: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return def;
  if (!/^\d+$/.test(raw.trim())) throw new ApiError(`${name}: expected an integer between ${min} and ${max}, got "${raw}"`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new ApiError(`${name}: expected an integer between ${min} and ${max}, got "${raw}"`);
  return n;
}

export const TRACE_ID = /^[0-9a-f]{32}$/;

export const handler: Handler = async ({ store, url, params }) => {
  const traceId = (params.traceId ?? '').toLowerCase();
  if (!TRACE_ID.test(traceId)) throw new ApiError(`traceId: expected 32 hex characters, got "${params.traceId ?? ''}"`);
  if (/^0+$/.test(traceId)) throw new ApiError('traceId: the all-zero trace id is invalid');
  const maxDepth = intParam(url, 'maxDepth', TIMELINE_DEFAULTS.maxDepth, 0, TIMELINE_DEFAULTS.maxDepth);
  const maxSpans = intParam(url, 'maxSpans', TIMELINE_DEFAULTS.maxSpans, 1, TIMELINE_DEFAULTS.maxSpans);
  const anomalies = url.searchParams.get('anomalies') ?? 'true';
  if (anomalies !== 'true' && anomalies !== 'false') throw new ApiError(`anomalies: expected true or false, got "${anomalies}"`);
  const timeline = await requestTimeline(store, { traceId, maxDepth, maxSpans, anomalies: anomalies === 'true' });
  if (!timeline) throw new ApiError(`trace ${traceId} not found`, 404);
  return ok(timeline);
};
