// GET /api/topology?from&to&groupBy=destination|messageType&lag=true|false — the flow map (DESIGN §6, §7).
import { topology } from '../analysis/topology.js';
import { configOf, ok, type Handler } from './http.js';
import { boolParam, enumParam, rejectUnknown } from './params.js';
import { parseTimeRange } from './time.js';

const GROUP_BY = ['destination', 'messageType'] as const;
const PARAMS = ['from', 'to', 'groupBy', 'lag'];

export const handler: Handler = async (ctx) => {
  const { store, url, now } = ctx;
  rejectUnknown(url, PARAMS);
  const range = parseTimeRange(url, now, 'now-1h');
  const groupBy = enumParam(url, 'groupBy', GROUP_BY, 'destination');
  const lag = boolParam(url, 'lag', true);
  const { deadLetterPatterns } = configOf(ctx);
  return ok(await topology(store, { ...range, groupBy }, { nowMs: now.getTime(), lag, deadLetterPatterns }));
};
