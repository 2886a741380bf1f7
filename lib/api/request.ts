// GET /api/requests/{traceId}?maxDepth&maxSpans&anomalies — the stitched request timeline (DESIGN §6).
import { requestTimeline, TIMELINE_DEFAULTS } from '../analysis/timeline.js';
import { ApiError, ok, type Handler } from './http.js';
import { boolParam, intParam, rejectUnknown, shown, TRACE_ID } from './params.js';

const PARAMS = ['maxDepth', 'maxSpans', 'anomalies'];

export const handler: Handler = async ({ store, url, params }) => {
  const traceId = (params.traceId ?? '').toLowerCase();
  if (!TRACE_ID.test(traceId)) throw new ApiError(`traceId: expected 32 hex characters, got ${shown(params.traceId ?? '')}`);
  rejectUnknown(url, PARAMS);
  if (/^0+$/.test(traceId)) throw new ApiError('traceId: the all-zero trace id is invalid');
  const maxDepth = intParam(url, 'maxDepth', TIMELINE_DEFAULTS.maxDepth, 0, TIMELINE_DEFAULTS.maxDepth);
  const maxSpans = intParam(url, 'maxSpans', TIMELINE_DEFAULTS.maxSpans, 1, TIMELINE_DEFAULTS.maxSpans);
  const anomalies = boolParam(url, 'anomalies', true);
  const timeline = await requestTimeline(store, { traceId, maxDepth, maxSpans, anomalies });
  if (!timeline) throw new ApiError(`trace ${traceId} not found`, 404);
  return ok(timeline);
};
