// GET /api/requests — recent requests (one row per trace) with filters: service, destination,
// messageId, traceId, attribute=key=value, errorOnly, limit, from/to.
import { listRequests, type RequestFilters } from '../analysis/requests.js';
import { ApiError, ok, type Handler } from './http.js';
import { boolParam, intParam, rejectUnknown, shown, textParam, TRACE_ID } from './params.js';
import { parseTimeRange } from './time.js';

const PARAMS = ['from', 'to', 'service', 'destination', 'messageId', 'traceId', 'attribute', 'errorOnly', 'limit'];

export function parseRequestFilters(url: URL, now: Date): RequestFilters {
  rejectUnknown(url, PARAMS);
  const range = parseTimeRange(url, now, 'now-1h');
  const traceId = textParam(url, 'traceId')?.toLowerCase();
  if (traceId !== undefined && !TRACE_ID.test(traceId)) throw new ApiError(`traceId: expected 32 hex characters, got ${shown(traceId)}`);
  let attribute: RequestFilters['attribute'];
  const rawAttr = textParam(url, 'attribute');
  if (rawAttr !== undefined) {
    const eq = rawAttr.indexOf('=');
    if (eq <= 0) throw new ApiError(`attribute: expected key=value, got ${shown(rawAttr)}`);
    attribute = { key: rawAttr.slice(0, eq), value: rawAttr.slice(eq + 1) };
  }
  return {
    ...range,
    service: textParam(url, 'service'),
    destination: textParam(url, 'destination'),
    messageId: textParam(url, 'messageId'),
    traceId,
    attribute,
    errorOnly: boolParam(url, 'errorOnly', false),
    limit: intParam(url, 'limit', 50, 1, 500),
  };
}

export const handler: Handler = async ({ store, url, now }) => {
  const filters = parseRequestFilters(url, now);
  const requests = await listRequests(store, filters);
  return ok({
    range: { from: new Date(filters.fromMs).toISOString(), to: new Date(filters.toMs).toISOString() },
    requests,
  });
};
