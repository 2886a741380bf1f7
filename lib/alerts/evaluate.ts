// What a rule observes now, per instance, read through the analysis functions the views use (lag
// from lib/analysis/lag.ts, edges from the hop model's per-minute state, duplicates from
// anomalies.ts): an alert says what the lag page and the flow map say. No raw-span pairing here.
// Reads are shared between the rules of one evaluation (an `Observer` lives for one tick).
import type { Store } from '../store/index.js';
import { consumerLag, type GroupLag } from '../analysis/lag.js';
import { STATUS_STEP_MS, STATUS_WINDOW_MS } from '../analysis/burrow.js';
import { edgeState } from '../analysis/hop-state.js';
import { callEdges } from '../analysis/topology.js';
import { findDuplicates } from '../analysis/anomalies.js';
import { lagSeverity } from '../domain.js';
import type { CallRow, MessagingEdgeRow } from '../analysis/graph.js';
import { compare, KIND_UNIT, type RuleSpec, type Scope } from './rules.js';
import type { Instance, Observation } from './state.js';

export interface InstanceObservation extends Observation {
  instance: Instance;
}

/** How far before its window a no-traffic rule looks for the instances it expects traffic from. */
export const NO_TRAFFIC_HISTORY_MS = 60 * 60_000;

const inScope = (scope: Scope, i: Instance) =>
  (scope.destination === undefined || scope.destination === i.destination) &&
  (scope.consumerGroup === undefined || scope.consumerGroup === i.consumerGroup) &&
  (scope.service === undefined || scope.service === i.service);

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** One evaluation's reads, memoized: several rules over the same window share one query. */
export class Observer {
  private readonly memo = new Map<string, Promise<unknown>>();
  constructor(
    private readonly store: Store,
    readonly nowMs: number,
  ) {}

  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) this.memo.set(key, (p = load()));
    return p;
  }

  /** Consumer lag over the status window, as the lag page's default view and the flow map read it. */
  lag(): Promise<GroupLag[]> {
    return this.once('lag', async () => {
      const r = await consumerLag(this.store, {
        fromMs: this.nowMs - STATUS_WINDOW_MS,
        toMs: this.nowMs,
        stepMs: STATUS_STEP_MS,
        statusOnly: true,
        nowMs: this.nowMs,
        clockSkew: false,
      });
      return r.groups;
    });
  }

  edges(fromMs: number, toMs: number): Promise<MessagingEdgeRow[]> {
    return this.once(`edges:${fromMs}:${toMs}`, async () => (await edgeState(this.store, { fromMs, toMs })).edges);
  }

  calls(fromMs: number, toMs: number): Promise<CallRow[]> {
    return this.once(`calls:${fromMs}:${toMs}`, () => callEdges(this.store, { fromMs, toMs }));
  }

  duplicatesAfterSuccess(fromMs: number, toMs: number, destination: string, consumerGroup: string): Promise<number> {
    return this.once(`dup:${fromMs}:${toMs}:${destination}\u0000${consumerGroup}`, async () => {
      const r = await findDuplicates(this.store, { fromMs, toMs, stepMs: toMs - fromMs, limit: 1, destination, consumerGroup });
      return r.byClass.duplicate_after_success;
    });
  }

  /** What the rule sees now, one observation per instance in its scope. */
  async observe(rule: RuleSpec): Promise<InstanceObservation[]> {
    switch (rule.kind) {
      case 'consumer_status':
      case 'lag_age':
      case 'backlog':
        return (await this.lag())
          .map((g) => ({ g, instance: { destination: g.destination, consumerGroup: g.consumerGroup } }))
          .filter(({ instance }) => inScope(rule.scope, instance))
          .map(({ g, instance }) => ({ instance, ...lagObservation(rule, g) }));
      case 'duplicate_rate':
        return this.duplicateRate(rule);
      case 'error_rate':
        return this.errorRate(rule);
      case 'no_traffic':
        return this.noTraffic(rule);
    }
  }

  private window(rule: RuleSpec): { fromMs: number; toMs: number } {
    return { fromMs: this.nowMs - (rule.windowSeconds ?? 300) * 1000, toMs: this.nowMs };
  }

  private async duplicateRate(rule: RuleSpec): Promise<InstanceObservation[]> {
    const { fromMs, toMs } = this.window(rule);
    const deliveries = groupCounts(await this.edges(fromMs, toMs), rule.scope);
    const out: InstanceObservation[] = [];
    for (const [, c] of deliveries) {
      const dups = await this.duplicatesAfterSuccess(fromMs, toMs, c.instance.destination!, c.instance.consumerGroup!);
      out.push(rateObservation(rule, c.instance, dups, c.count, 'duplicates after success'));
    }
    return out;
  }

  private async errorRate(rule: RuleSpec): Promise<InstanceObservation[]> {
    const { fromMs, toMs } = this.window(rule);
    const edges = await this.edges(fromMs, toMs);
    if (rule.subject === 'service') {
      const counts = serviceCounts(edges, await this.calls(fromMs, toMs), rule.scope);
      return [...counts.values()].map((c) => rateObservation(rule, c.instance, c.errors, c.count, 'failed'));
    }
    return [...groupCounts(edges, rule.scope).values()].map((c) => rateObservation(rule, c.instance, c.errors, c.count, 'failed'));
  }

  private async noTraffic(rule: RuleSpec): Promise<InstanceObservation[]> {
    const { fromMs, toMs } = this.window(rule);
    const historyFromMs = fromMs - NO_TRAFFIC_HISTORY_MS;
    const [now, before] = await Promise.all([this.edges(fromMs, toMs), this.edges(historyFromMs, fromMs)]);
    const nowCalls = rule.subject === 'service' ? await this.calls(fromMs, toMs) : [];
    const beforeCalls = rule.subject === 'service' ? await this.calls(historyFromMs, fromMs) : [];
    const count = (edges: MessagingEdgeRow[], calls: CallRow[]) =>
      rule.subject === 'service' ? serviceCounts(edges, calls, rule.scope) : rule.subject === 'destination' ? destinationCounts(edges, rule.scope) : groupCounts(edges, rule.scope);
    const current = count(now, nowCalls);
    const expected = new Map(count(before, beforeCalls));
    for (const [k, c] of current) expected.set(k, c);
    // a rule on one named instance watches it even when it was never seen
    const named = namedInstance(rule);
    if (named) expected.set(JSON.stringify(named), { instance: named, count: 0, errors: 0 });
    return [...expected.entries()].map(([k, c]) => {
      const n = current.get(k)?.count ?? 0;
      return { instance: c.instance, breached: n === 0, value: n, valueText: `${n} messages` };
    });
  }
}

function namedInstance(rule: RuleSpec): Instance | undefined {
  const s = rule.scope;
  if (rule.subject === 'service') return s.service !== undefined ? { service: s.service } : undefined;
  if (rule.subject === 'destination') return s.destination !== undefined ? { destination: s.destination } : undefined;
  return s.destination !== undefined && s.consumerGroup !== undefined ? { destination: s.destination, consumerGroup: s.consumerGroup } : undefined;
}

/** The observation of a lag rule on one group (pure). */
export function lagObservation(rule: RuleSpec, g: Pick<GroupLag, 'status' | 'reason' | 'current'>): Observation {
  switch (rule.kind) {
    case 'consumer_status':
      return { breached: rule.statuses!.includes(g.status), value: lagSeverity(g.status), valueText: `${g.status}: ${g.reason}` };
    case 'lag_age': {
      const s = round(g.current.oldestUndeliveredAgeMs / 1000, 1);
      return { breached: compare(s, rule.comparison!, rule.threshold!), value: s, valueText: `${s}s` };
    }
    default: {
      const n = g.current.backlog;
      return { breached: compare(n, rule.comparison!, rule.threshold!), value: n, valueText: `${n} messages` };
    }
  }
}

/** A percentage over `total`; with nothing to divide by, nothing is breached (pure). */
export function rateObservation(rule: RuleSpec, instance: Instance, part: number, total: number, what: string): InstanceObservation {
  if (total === 0) return { instance, breached: false, value: null, valueText: 'no deliveries in the window' };
  const pct = round((100 * part) / total, 2);
  return {
    instance,
    breached: compare(pct, rule.comparison!, rule.threshold!),
    value: pct,
    valueText: `${pct}${KIND_UNIT[rule.kind]} (${part} of ${total} ${what})`,
  };
}

type Count = { instance: Instance; count: number; errors: number };

function add(out: Map<string, Count>, instance: Instance, count: number, errors: number) {
  const k = JSON.stringify(instance);
  const c = out.get(k);
  if (c) {
    c.count += count;
    c.errors += errors;
  } else out.set(k, { instance, count, errors });
}

/** Deliveries and failed deliveries per (destination, consumer group), summed over services. */
export function groupCounts(edges: MessagingEdgeRow[], scope: Scope): Map<string, Count> {
  const out = new Map<string, Count>();
  for (const e of edges) {
    if (e.edgeKind !== 'deliver') continue;
    const instance = { destination: e.destination, consumerGroup: e.consumerGroup };
    if (inScope(scope, instance)) add(out, instance, e.count, e.errors);
  }
  return out;
}

/** Messages published to and delivered from each destination. */
export function destinationCounts(edges: MessagingEdgeRow[], scope: Scope): Map<string, Count> {
  const out = new Map<string, Count>();
  for (const e of edges) {
    const instance = { destination: e.destination };
    if (inScope(scope, instance)) add(out, instance, e.count, e.errors);
  }
  return out;
}

/** A service's spans: its publishes, its deliveries and its outgoing calls. */
export function serviceCounts(edges: MessagingEdgeRow[], calls: CallRow[], scope: Scope): Map<string, Count> {
  const out = new Map<string, Count>();
  for (const e of edges) if (inScope(scope, { service: e.service })) add(out, { service: e.service }, e.count, e.errors);
  for (const c of calls) if (inScope(scope, { service: c.service })) add(out, { service: c.service }, c.count, c.errors);
  return out;
}
