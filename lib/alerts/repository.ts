// Alert rules, their per-instance states and the firing/resolved history in the store (migration
// 010). Rules and states are ReplacingMergeTree rows read with FINAL: an edit or a delete writes a
// newer version, so a concurrent reader sees the old or the new rule, never half of one.
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/index.js';
import type { AlertRule, RuleSpec } from './rules.js';
import type { AlertStateName, InstanceState, Transition } from './state.js';

/** Versions strictly increase within a process even within one millisecond. */
let lastVersion = 0;
function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}

export const RULE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type RuleRow = { id: string; rule: string; created_ms: string; version: string };

function toRule(r: RuleRow): AlertRule {
  const spec = JSON.parse(r.rule) as RuleSpec;
  return {
    id: r.id,
    ...spec,
    createdAt: new Date(Number(r.created_ms)).toISOString(),
    updatedAt: new Date(Math.floor(Number(r.version) / 1000)).toISOString(),
  };
}

export async function listRules(store: Store): Promise<AlertRule[]> {
  const rows = await store.query<RuleRow>(
    `SELECT id, rule, toString(created_ms) AS created_ms, toString(version) AS version
       FROM ${store.database}.alert_rules FINAL WHERE deleted = 0 ORDER BY created_ms, id`,
    { name: 'alerts:rules' },
  );
  return rows.map(toRule);
}

export async function getRule(store: Store, id: string): Promise<AlertRule | undefined> {
  const rows = await store.query<RuleRow>(
    `SELECT id, rule, toString(created_ms) AS created_ms, toString(version) AS version
       FROM ${store.database}.alert_rules FINAL WHERE id = {id:String} AND deleted = 0`,
    { name: 'alerts:rule', params: { id } },
  );
  return rows[0] ? toRule(rows[0]) : undefined;
}

export async function createRule(store: Store, spec: RuleSpec): Promise<AlertRule> {
  const id = randomUUID();
  const now = Date.now();
  await store.insertRows('alert_rules', [{ id, rule: JSON.stringify(spec), created_ms: now, version: nextVersion(), deleted: 0 }], { name: 'alerts:create' });
  return (await getRule(store, id))!;
}

/** Replaces a rule; undefined when there is no such rule (or it was deleted). */
export async function updateRule(store: Store, id: string, spec: RuleSpec): Promise<AlertRule | undefined> {
  const prev = await getRule(store, id);
  if (!prev) return undefined;
  await store.insertRows(
    'alert_rules',
    [{ id, rule: JSON.stringify(spec), created_ms: Date.parse(prev.createdAt), version: nextVersion(), deleted: 0 }],
    { name: 'alerts:update' },
  );
  return getRule(store, id);
}

/** Deletes a rule; false when there was none. Its states stay behind, unread. */
export async function deleteRule(store: Store, id: string): Promise<boolean> {
  const prev = await getRule(store, id);
  if (!prev) return false;
  const { id: _id, createdAt, updatedAt: _u, ...spec } = prev;
  await store.insertRows(
    'alert_rules',
    [{ id, rule: JSON.stringify(spec), created_ms: Date.parse(createdAt), version: nextVersion(), deleted: 1 }],
    { name: 'alerts:delete' },
  );
  return true;
}

export interface StoredState extends InstanceState {
  ruleId: string;
  instance: string;
}

export async function loadStates(store: Store, ruleIds?: string[]): Promise<StoredState[]> {
  if (ruleIds && ruleIds.length === 0) return [];
  const rows = await store.query<{ rule_id: string; instance: string; state: string; since_ms: string; value: number | null; value_text: string; notified: string }>(
    `SELECT rule_id, instance, state, toString(since_ms) AS since_ms, value, value_text, notified
       FROM ${store.database}.alert_states FINAL
      ${ruleIds ? 'WHERE rule_id IN {ids:Array(String)}' : ''}
      ORDER BY rule_id, instance`,
    { name: 'alerts:states', params: { ids: ruleIds ?? [] } },
  );
  return rows.map((r) => ({
    ruleId: r.rule_id,
    instance: r.instance,
    state: r.state as AlertStateName,
    sinceMs: Number(r.since_ms),
    value: r.value === null ? null : Number(r.value),
    valueText: r.value_text,
    notified: r.notified as InstanceState['notified'],
  }));
}

export async function saveStates(store: Store, states: StoredState[]): Promise<void> {
  if (states.length === 0) return;
  const version = nextVersion();
  await store.insertRows(
    'alert_states',
    states.map((s) => ({
      rule_id: s.ruleId,
      instance: s.instance,
      state: s.state,
      since_ms: s.sinceMs,
      value: s.value !== null && Number.isFinite(s.value) ? s.value : null,
      value_text: s.valueText,
      notified: s.notified,
      version,
    })),
    { name: 'alerts:save-states' },
  );
}

/** A transition, or `undelivered`: its webhook gave up (valueText says why). */
export type AlertEventKind = Transition | 'undelivered';

export interface AlertEvent {
  at: string;
  ruleId: string;
  ruleName: string;
  instance: string;
  event: AlertEventKind;
  value: number | null;
  valueText: string;
  since: string;
}

export async function recordEvents(store: Store, events: AlertEvent[]): Promise<void> {
  if (events.length === 0) return;
  await store.insertRows(
    'alert_events',
    events.map((e) => ({
      at: e.at,
      rule_id: e.ruleId,
      rule_name: e.ruleName,
      instance: e.instance,
      event: e.event,
      value: e.value !== null && Number.isFinite(e.value) ? e.value : null,
      value_text: e.valueText,
      since_ms: Date.parse(e.since),
    })),
    { name: 'alerts:events' },
  );
}

/** The newest transitions first (the last 7 days). */
export async function recentEvents(store: Store, limit = 50): Promise<AlertEvent[]> {
  const rows = await store.query<{ at_ms: string; rule_id: string; rule_name: string; instance: string; event: string; value: number | null; value_text: string; since_ms: string }>(
    `SELECT toString(toUnixTimestamp64Milli(at)) AS at_ms, rule_id, rule_name, instance, event, value, value_text, toString(since_ms) AS since_ms
       FROM ${store.database}.alert_events
      WHERE at >= now64(3) - INTERVAL 7 DAY
      ORDER BY at DESC LIMIT {limit:UInt32}`,
    { name: 'alerts:recent-events', params: { limit } },
  );
  return rows.map((r) => ({
    at: new Date(Number(r.at_ms)).toISOString(),
    ruleId: r.rule_id,
    ruleName: r.rule_name,
    instance: r.instance,
    event: r.event as AlertEventKind,
    value: r.value === null ? null : Number(r.value),
    valueText: r.value_text,
    since: new Date(Number(r.since_ms)).toISOString(),
  }));
}
