// GET /api/topology?from&to&groupBy=destination|messageType&lag=true|false — the flow map (DESIGN §6, §7).
import { topology } from '../analysis/topology.js';
import { ApiError, ok, type Handler } from './http.js';
import { parseTimeRange } from './time.js';

const GROUP_BY = ['destination', 'messageType'] as const;
type GroupBy = (typeof GROUP_BY)[number];

export const handler: Handler = async ({ store, url, now }) => {
  const range = parseTimeRange(url, now, 'now-1h');
  const raw = url.searchParams.get('groupBy') ?? 'destination';
  if (!(GROUP_BY as readonly string[]).includes(raw)) {
    throw new ApiError(`groupBy: expected one of ${GROUP_BY.join(', ')}, got "${raw}"`);
  }
  const lag = url.searchParams.get('lag') ?? 'true';
  if (lag !== 'true' && lag !== 'false') throw new ApiError(`lag: expected true or false, got "${lag}"`);
  return ok(await topology(store, { ...range, groupBy: raw as GroupBy }, { nowMs: now.getTime(), lag: lag === 'true' }));
};
