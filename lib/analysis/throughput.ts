// Throughput per destination and per consumer group over time (issue 12), from the per-minute hop
// state (`hop_minutes`): messages published to each destination and delivered to each of its
// consumer groups per step — first deliveries, redeliveries after a failure, duplicates after
// success and failed deliveries apart. The cost depends on minutes × groups, not on the traffic.
// Resolution is the minute: a step is a whole number of minutes and a range that does not start on
// a minute counts its first minute into the first step.
import type { Store } from '../store/index.js';
import { envParams, envWhere, type EnvFilter } from '../hops/env.js';

export interface ThroughputQuery extends EnvFilter {
  fromMs: number;
  toMs: number;
  stepMs: number;
  destination?: string;
  consumerGroup?: string;
}

export interface PublishPoint {
  /** start of the step (ISO) */
  t: string;
  published: number;
  errors: number;
}

export interface DeliverPoint {
  t: string;
  /** every delivery of a message (a batch span of N messages counts N) */
  delivered: number;
  firstDeliveries: number;
  redeliveries: number;
  duplicates: number;
  errors: number;
}

export interface GroupThroughput {
  consumerGroup: string;
  /** the consuming services of the group */
  services: string[];
  delivered: number;
  firstDeliveries: number;
  series: DeliverPoint[];
}

export interface DestinationThroughput {
  destination: string;
  system: string;
  /** the publishing services */
  publishers: string[];
  published: number;
  series: PublishPoint[];
  groups: GroupThroughput[];
}

export interface ThroughputResult {
  from: string;
  to: string;
  stepMs: number;
  destinations: DestinationThroughput[];
}

/** One row of the per-minute state summed per step. */
export interface ThroughputRow {
  kind: 'publish' | 'deliver';
  destination: string;
  consumer_group: string;
  system: string;
  services: string[];
  i: number | string;
  messages: number | string;
  first_deliveries: number | string;
  redeliveries: number | string;
  duplicates: number | string;
  errors: number | string;
}

export async function throughput(store: Store, q: ThroughputQuery): Promise<ThroughputResult> {
  const rows = await store.query<ThroughputRow>(
    `SELECT kind, destination, consumer_group, any(system) AS system,
            groupUniqArray(if(kind = 'publish', p_service, d_service)) AS services,
            greatest(toInt64(floor((toUnixTimestamp(minute) * 1000 - {fromMs:Int64}) / {stepMs:Int64})), 0) AS i,
            sum(messages) AS messages, sum(first_deliveries) AS first_deliveries, sum(redeliveries) AS redeliveries,
            sum(duplicates) AS duplicates, sum(errors) AS errors
       FROM ${store.database}.hop_minutes FINAL
      WHERE minute >= toStartOfMinute(fromUnixTimestamp64Milli({fromMs:Int64}))
        AND minute < fromUnixTimestamp64Milli({toMs:Int64})
        ${q.destination !== undefined ? 'AND destination = {destination:String}' : ''}
        ${q.consumerGroup !== undefined ? "AND (kind = 'publish' OR consumer_group = {group:String})" : ''}
        ${envWhere(q)}
      GROUP BY kind, destination, consumer_group, i`,
    {
      name: 'throughput',
      params: { fromMs: q.fromMs, toMs: q.toMs, stepMs: q.stepMs, destination: q.destination ?? '', group: q.consumerGroup ?? '', ...envParams(q) },
    },
  );
  return buildThroughput(rows, q);
}

/** Pure: the per-step rows into series per destination and group, zero-filled, busiest first. */
export function buildThroughput(rows: ThroughputRow[], q: Pick<ThroughputQuery, 'fromMs' | 'toMs' | 'stepMs'>): ThroughputResult {
  const points = Math.max(1, Math.ceil((q.toMs - q.fromMs) / q.stepMs));
  const t = (i: number) => new Date(q.fromMs + i * q.stepMs).toISOString();
  const dests = new Map<string, DestinationThroughput & { pubs: Set<string>; byGroup: Map<string, GroupThroughput & { svc: Set<string> }> }>();
  const dest = (name: string, system: string) => {
    let d = dests.get(name);
    if (!d) {
      d = {
        destination: name,
        system,
        publishers: [],
        published: 0,
        series: Array.from({ length: points }, (_, i) => ({ t: t(i), published: 0, errors: 0 })),
        groups: [],
        pubs: new Set(),
        byGroup: new Map(),
      };
      dests.set(name, d);
    }
    if (!d.system && system) d.system = system;
    return d;
  };
  for (const r of rows) {
    const i = Math.min(points - 1, Number(r.i));
    const d = dest(r.destination, r.system);
    if (r.kind === 'publish') {
      for (const s of r.services) if (s) d.pubs.add(s);
      d.series[i]!.published += Number(r.messages);
      d.series[i]!.errors += Number(r.errors);
      d.published += Number(r.messages);
      continue;
    }
    let g = d.byGroup.get(r.consumer_group);
    if (!g) {
      g = {
        consumerGroup: r.consumer_group,
        services: [],
        delivered: 0,
        firstDeliveries: 0,
        series: Array.from({ length: points }, (_, k) => ({ t: t(k), delivered: 0, firstDeliveries: 0, redeliveries: 0, duplicates: 0, errors: 0 })),
        svc: new Set(),
      };
      d.byGroup.set(r.consumer_group, g);
    }
    for (const s of r.services) if (s) g.svc.add(s);
    const p = g.series[i]!;
    p.delivered += Number(r.messages);
    p.firstDeliveries += Number(r.first_deliveries);
    p.redeliveries += Number(r.redeliveries);
    p.duplicates += Number(r.duplicates);
    p.errors += Number(r.errors);
    g.delivered += Number(r.messages);
    g.firstDeliveries += Number(r.first_deliveries);
  }
  const destinations = [...dests.values()]
    .map(({ pubs, byGroup, ...d }) => ({
      ...d,
      publishers: [...pubs].sort(),
      groups: [...byGroup.values()]
        .map(({ svc, ...g }) => ({ ...g, services: [...svc].sort() }))
        .sort((a, b) => b.delivered - a.delivered || a.consumerGroup.localeCompare(b.consumerGroup)),
    }))
    .sort((a, b) => b.published + sumDelivered(b) - (a.published + sumDelivered(a)) || a.destination.localeCompare(b.destination));
  return { from: new Date(q.fromMs).toISOString(), to: new Date(q.toMs).toISOString(), stepMs: q.stepMs, destinations };
}

const sumDelivered = (d: DestinationThroughput) => d.groups.reduce((a, g) => a + g.delivered, 0);
