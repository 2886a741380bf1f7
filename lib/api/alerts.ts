// Alert rules (lib/alerts): GET /api/alerts lists the rules with their state per instance and the
// recent firing/resolved history; POST /api/alerts creates a rule; GET, PUT and DELETE
// /api/alerts/:id read, replace and delete one. Bodies are JSON (lib/api/http.ts readJsonBody),
// validated by lib/alerts/rules.ts with one message per problem.
import { validateRule, describeCondition, type AlertRule } from '../alerts/rules.js';
import { createRule, deleteRule, getRule, listRules, loadStates, recentEvents, updateRule, RULE_ID, type AlertEvent, type StoredState } from '../alerts/repository.js';
import { instanceLabel, parseInstanceKey, type AlertStateName, type Instance } from '../alerts/state.js';
import { ApiError, ok, type ApiContext, type Handler } from './http.js';
import { rejectUnknown, shown } from './params.js';
import type { Store } from '../store/index.js';
import type { FiringMark } from '../alerts/map.js';

/** Instances listed per rule: the non-ok ones first. */
const MAX_INSTANCES = 100;

export interface InstanceView {
  instance: Instance;
  label: string;
  state: AlertStateName;
  since: string;
  value: number | null;
  valueText: string;
}

export interface RuleView extends AlertRule {
  /** the condition in words: "backlog > 100 messages for 2m" */
  condition: string;
  /** the most severe state of its instances ('ok' when none is observed yet) */
  state: AlertStateName;
  /** when that state began (the earliest of its instances in it), null before the first evaluation */
  since: string | null;
  instances: InstanceView[];
  /** instances beyond MAX_INSTANCES that are not shown */
  moreInstances: number;
}

export interface AlertsResult {
  rules: RuleView[];
  events: Array<AlertEvent & { label: string }>;
  firing: number;
}

const SEVERITY: Record<AlertStateName, number> = { ok: 0, pending: 1, firing: 2 };

export function ruleView(rule: AlertRule, states: StoredState[]): RuleView {
  const all = states
    .map((s) => {
      const instance = parseInstanceKey(s.instance);
      return { instance, label: instanceLabel(instance), state: s.state, sinceMs: s.sinceMs, value: s.value, valueText: s.valueText };
    })
    .sort((a, b) => SEVERITY[b.state] - SEVERITY[a.state] || a.sinceMs - b.sinceMs || a.label.localeCompare(b.label));
  const top = all[0];
  const sameState = all.filter((s) => s.state === top?.state);
  return {
    ...rule,
    condition: describeCondition(rule),
    state: top?.state ?? 'ok',
    since: top ? new Date(Math.min(...sameState.map((s) => s.sinceMs))).toISOString() : null,
    instances: all.slice(0, MAX_INSTANCES).map(({ sinceMs, ...s }) => ({ ...s, since: new Date(sinceMs).toISOString() })),
    moreInstances: Math.max(0, all.length - MAX_INSTANCES),
  };
}

function ruleId(ctx: ApiContext): string {
  const id = ctx.params.id ?? '';
  if (!RULE_ID.test(id)) throw new ApiError(`id: expected a rule id (a UUID as POST /api/alerts returned it), got ${shown(id)}`);
  return id;
}

function specOf(ctx: ApiContext) {
  if (ctx.body === null || typeof ctx.body !== 'object' || Array.isArray(ctx.body)) throw new ApiError('body: expected a JSON object describing the rule');
  const v = validateRule(ctx.body);
  if (!v.ok) throw new ApiError(`invalid rule: ${v.errors.join('; ')}`);
  return v.value;
}

/** Every rule with its state and the recent history: the typed core of GET /api/alerts (pages call it). */
export async function getAlerts({ store }: { store: Store }): Promise<AlertsResult> {
  const [rules, events] = await Promise.all([listRules(store), recentEvents(store, 50)]);
  const states = await loadStates(store, rules.map((r) => r.id));
  const views = rules.map((r) => ruleView(r, states.filter((s) => s.ruleId === r.id)));
  return {
    rules: views,
    events: events.map((e) => ({ ...e, label: instanceLabel(parseInstanceKey(e.instance)) })),
    firing: views.reduce((n, r) => n + r.instances.filter((i) => i.state === 'firing').length, 0),
  };
}

/** The firing instances of every enabled rule, for the flow map's marks (lib/alerts/map.ts). */
export async function getFiring({ store }: { store: Store }): Promise<FiringMark[]> {
  const rules = (await listRules(store)).filter((r) => r.enabled);
  const names = new Map(rules.map((r) => [r.id, r.name]));
  const states = await loadStates(store, rules.map((r) => r.id));
  return states.filter((s) => s.state === 'firing').map((s) => ({ ruleName: names.get(s.ruleId) ?? '', instance: parseInstanceKey(s.instance) }));
}

/** GET /api/alerts */
export const listHandler: Handler = async ({ store, url }) => {
  rejectUnknown(url, []);
  return ok(await getAlerts({ store }));
};

/** POST /api/alerts */
export const createHandler: Handler = async (ctx) => {
  rejectUnknown(ctx.url, []);
  const rule = await createRule(ctx.store, specOf(ctx));
  return { status: 201, body: ruleView(rule, []) };
};

/** GET /api/alerts/:id */
export const ruleHandler: Handler = async (ctx) => {
  rejectUnknown(ctx.url, []);
  const id = ruleId(ctx);
  const rule = await getRule(ctx.store, id);
  if (!rule) throw new ApiError(`no alert rule ${id}`, 404);
  return ok(ruleView(rule, await loadStates(ctx.store, [id])));
};

/** PUT /api/alerts/:id */
export const updateHandler: Handler = async (ctx) => {
  rejectUnknown(ctx.url, []);
  const id = ruleId(ctx);
  const spec = specOf(ctx);
  const rule = await updateRule(ctx.store, id, spec);
  if (!rule) throw new ApiError(`no alert rule ${id}`, 404);
  return ok(ruleView(rule, await loadStates(ctx.store, [id])));
};

/** DELETE /api/alerts/:id */
export const deleteHandler: Handler = async (ctx) => {
  rejectUnknown(ctx.url, []);
  const id = ruleId(ctx);
  if (!(await deleteRule(ctx.store, id))) throw new ApiError(`no alert rule ${id}`, 404);
  return ok({ deleted: id });
};
