// GET /api/environments: the environments and namespaces seen in the range (the env / namespace
// picker's values; lib/analysis/environments.ts). Parameters: from, to (default the last 24 hours).
import { environments, type EnvironmentsResult } from '../analysis/environments.js';
import { depsOf, ok, type ApiDeps, type Handler } from './http.js';
import { rejectUnknown } from './params.js';
import { parseTimeRange, type TimeRange } from './time.js';

const PARAMS = ['from', 'to'];

export function parseEnvironmentsInput(url: URL, now: Date): TimeRange {
  rejectUnknown(url, PARAMS);
  return parseTimeRange(url, now, 'now-24h');
}

export function getEnvironments({ store }: ApiDeps, q: TimeRange): Promise<EnvironmentsResult> {
  return environments(store, q);
}

export const handler: Handler = async (ctx) => ok(await getEnvironments(depsOf(ctx), parseEnvironmentsInput(ctx.url, ctx.now)));
