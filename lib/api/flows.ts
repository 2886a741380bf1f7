// GET /api/flows?from&to — flows with their usual steps and times and stuck counts over time;
// GET /api/flows/stuck?from&to&flow&limit — the stuck transactions (DESIGN §6, §7; issue 13).
import { flows, type FlowsResult } from '../analysis/flows.js';
import type { StuckTransaction } from '../analysis/flow-model.js';
import { ApiError, depsOf, ok, type ApiDeps, type Handler } from './http.js';
import { intParam, rejectUnknown, shown, textParam } from './params.js';
import { parseTimeRange, type TimeRange } from './time.js';

const FLOWS_PARAMS = ['from', 'to'];
const STUCK_PARAMS = ['from', 'to', 'flow', 'limit'];
export const FLOWS_DEFAULT_FROM = 'now-1h';

export type FlowsInput = TimeRange;

export interface StuckInput extends TimeRange {
  /** a flow id of /api/flows (`<key>:<first step>`) */
  flow?: string;
  limit: number;
}

export function parseFlowsInput(url: URL, now: Date): FlowsInput {
  rejectUnknown(url, FLOWS_PARAMS);
  return parseTimeRange(url, now, FLOWS_DEFAULT_FROM);
}

export function parseStuckInput(url: URL, now: Date, businessKeys: readonly string[]): StuckInput {
  rejectUnknown(url, STUCK_PARAMS);
  const flow = textParam(url, 'flow');
  if (flow !== undefined && !businessKeys.some((k) => flow.startsWith(k + ':') && flow.length > k.length + 1)) {
    throw new ApiError(`flow: expected a flow id "<business key>:<first step>" of /api/flows (keys: ${businessKeys.join(', ')}), got ${shown(flow)}`);
  }
  return { ...parseTimeRange(url, now, FLOWS_DEFAULT_FROM), flow, limit: intParam(url, 'limit', 100, 1, 1000) };
}

/** Flows, their usual steps and stuck counts (the dashboard calls this directly). */
export function getFlows({ store, now, config }: ApiDeps, input: FlowsInput): Promise<FlowsResult> {
  return flows(store, { ...input, keys: config.businessKeys }, config.stuck, now.getTime());
}

export interface StuckResult {
  range: FlowsResult['range'];
  rules: FlowsResult['rules'];
  total: number;
  stuck: StuckTransaction[];
  truncated?: FlowsResult['truncated'];
}

/** The stuck transactions, longest waiting first, optionally of one flow. */
export async function getStuck(deps: ApiDeps, input: StuckInput): Promise<StuckResult> {
  const { flow, limit, ...range } = input;
  const r = await getFlows(deps, range);
  const all = flow === undefined ? r.stuck : r.stuck.filter((s) => s.flowId === flow);
  return { range: r.range, rules: r.rules, total: all.length, stuck: all.slice(0, limit), ...(r.truncated ? { truncated: r.truncated } : {}) };
}

export const handler: Handler = async (ctx) => {
  const result = await getFlows(depsOf(ctx), parseFlowsInput(ctx.url, ctx.now));
  const { stuck: _stuck, ...rest } = result;
  return ok(rest);
};

export const stuckHandler: Handler = async (ctx) => {
  const deps = depsOf(ctx);
  return ok(await getStuck(deps, parseStuckInput(ctx.url, ctx.now, deps.config.businessKeys)));
};
