// The broker's own numbers beside trace-derived lag (issue 11): the latest point of each broker
// metric series (broker_metrics, written by the OTLP metrics ingest) per destination × consumer
// group (× partition). Traces say how long messages waited; the broker says how many wait now, even
// for a group no consumer runs for (then no span tells of it at all).
//
// Rules:
// - Kafka (source 'kafkametrics'): lag = kafka.consumer_group.lag per partition; the group's lag =
//   kafka.consumer_group.lag_sum, else the sum of its partitions' lags. A negative lag (no committed
//   offset yet, -1) is unknown, not a number of messages. consumers = kafka.consumer_group.members
//   (per group, so the same for each of its topics).
// - RabbitMQ (source 'rabbitmq'): the group is the queue; lag = messages in the queue
//   (rabbitmq.message.current, ready + unacknowledged), consumers = rabbitmq.consumer.count, summed
//   over vhosts and nodes reporting the same queue name.
// - Each figure is the latest point within the range; `at` is the time of the newest point used.
// - messaging.client.* counters are stored but are not lag and are not shown here.
import type { Store } from '../store/index.js';
import type { LagStatus } from '../domain.js';
import type { GroupLag, LagCurrent, LagResult, PartitionLag } from './lag.js';
import { nodeId, type Topology } from './graph.js';

export type BrokerLagSource = 'kafkametrics' | 'rabbitmq';

/** What the broker says about one group on one destination (or one partition of it). */
export interface BrokerLag {
  source: BrokerLagSource;
  /** messages the group has not consumed yet (Kafka offset lag; RabbitMQ: messages in the queue); null = unknown */
  lag: number | null;
  /** consumers the broker sees (Kafka group members, RabbitMQ queue consumers); null = not reported */
  consumers: number | null;
  /** RabbitMQ: messages ready for delivery / delivered but not acknowledged */
  ready?: number;
  unacknowledged?: number;
  /** Kafka partitions: the group's committed offset and the partition's newest offset */
  offset?: number | null;
  endOffset?: number | null;
  /** time of the newest point these figures come from (ISO) */
  at: string;
}

export interface BrokerGroupLag {
  destination: string;
  consumerGroup: string;
  system: string;
  broker: BrokerLag;
  /** Kafka: per partition (sorted by number) */
  partitions: Array<{ partition: string; broker: BrokerLag }>;
}

/** The latest point of one series, as the query returns it. */
export interface BrokerPointRow {
  source: string;
  metric: string;
  destination: string;
  consumer_group: string;
  partition: string;
  state: string;
  vhost: string;
  node: string;
  value: number;
  at_ms: number;
}

export interface BrokerLagQuery {
  fromMs: number;
  toMs: number;
  destination?: string;
  consumerGroup?: string;
}

const LAG_METRICS = [
  'kafka.consumer_group.lag',
  'kafka.consumer_group.lag_sum',
  'kafka.consumer_group.offset',
  'kafka.consumer_group.members',
  'kafka.partition.current_offset',
  'rabbitmq.message.current',
  'rabbitmq.consumer.count',
];

/** The latest point of every broker lag series in the range (bounded by time and series). */
export async function brokerPoints(store: Store, q: BrokerLagQuery): Promise<BrokerPointRow[]> {
  const rows = await store.query<{ [K in keyof BrokerPointRow]: string }>(
    `SELECT source, metric, destination, consumer_group, partition, state, vhost, node,
            toString(argMax(value, time)) AS value, toString(toUnixTimestamp64Milli(max(time))) AS at_ms
       FROM ${store.database}.broker_metrics
      WHERE time >= fromUnixTimestamp64Milli({fromMs:Int64}) AND time < fromUnixTimestamp64Milli({toMs:Int64})
        AND metric IN {metrics:Array(String)}
        ${q.destination !== undefined ? 'AND (destination = {destination:String} OR destination = \'\')' : ''}
        ${q.consumerGroup !== undefined ? 'AND (consumer_group = {group:String} OR consumer_group = \'\')' : ''}
      GROUP BY source, metric, destination, consumer_group, partition, state, vhost, node
      LIMIT 100000`,
    {
      name: 'lag:broker',
      params: { fromMs: q.fromMs, toMs: q.toMs, metrics: LAG_METRICS, destination: q.destination ?? '', group: q.consumerGroup ?? '' },
    },
  );
  return rows.map((r) => ({ ...r, value: Number(r.value), at_ms: Number(r.at_ms) }));
}

/** Broker lag per destination × group from the latest points (pure). */
export function buildBrokerLag(rows: readonly BrokerPointRow[]): BrokerGroupLag[] {
  const groups = new Map<string, BrokerGroupLag & { atMs: number; lagSum: number | null; parts: Map<string, BrokerLag & { atMs: number }> }>();
  const members = new Map<string, { n: number; atMs: number }>();
  const endOffsets = new Map<string, { n: number; atMs: number }>();
  const group = (source: BrokerLagSource, destination: string, consumerGroup: string) => {
    const k = `${source}\u0000${destination}\u0000${consumerGroup}`;
    let g = groups.get(k);
    if (!g) {
      g = {
        destination,
        consumerGroup,
        system: source === 'kafkametrics' ? 'kafka' : 'rabbitmq',
        broker: { source, lag: null, consumers: null, at: '' },
        partitions: [],
        atMs: 0,
        lagSum: null,
        parts: new Map(),
      };
      groups.set(k, g);
    }
    return g;
  };
  const touch = (g: { atMs: number }, atMs: number) => {
    if (atMs > g.atMs) g.atMs = atMs;
  };
  for (const r of rows) {
    if (r.source === 'kafkametrics') {
      if (r.metric === 'kafka.consumer_group.members') {
        members.set(r.consumer_group, { n: r.value, atMs: r.at_ms });
        continue;
      }
      if (r.metric === 'kafka.partition.current_offset') {
        endOffsets.set(`${r.destination}\u0000${r.partition}`, { n: r.value, atMs: r.at_ms });
        continue;
      }
      if (r.consumer_group === '' || r.destination === '') continue;
      const g = group('kafkametrics', r.destination, r.consumer_group);
      touch(g, r.at_ms);
      if (r.metric === 'kafka.consumer_group.lag_sum') {
        g.lagSum = r.value >= 0 ? r.value : null;
        continue;
      }
      let p = g.parts.get(r.partition);
      if (!p) {
        p = { source: 'kafkametrics', lag: null, consumers: null, offset: null, endOffset: null, at: '', atMs: 0 };
        g.parts.set(r.partition, p);
      }
      touch(p, r.at_ms);
      if (r.metric === 'kafka.consumer_group.lag') p.lag = r.value >= 0 ? r.value : null;
      else if (r.metric === 'kafka.consumer_group.offset') p.offset = r.value >= 0 ? r.value : null;
    } else if (r.source === 'rabbitmq') {
      if (r.destination === '') continue;
      const g = group('rabbitmq', r.destination, r.consumer_group || r.destination);
      touch(g, r.at_ms);
      const b = g.broker;
      if (r.metric === 'rabbitmq.message.current') {
        if (r.state === 'ready') b.ready = (b.ready ?? 0) + r.value;
        else if (r.state === 'unacknowledged') b.unacknowledged = (b.unacknowledged ?? 0) + r.value;
        else b.lag = (b.lag ?? 0) + r.value; // no state: the total
      } else if (r.metric === 'rabbitmq.consumer.count') b.consumers = (b.consumers ?? 0) + r.value;
    }
  }
  const out: BrokerGroupLag[] = [];
  for (const g of groups.values()) {
    if (g.broker.source === 'kafkametrics') {
      const m = members.get(g.consumerGroup);
      if (m) {
        g.broker.consumers = m.n;
        touch(g, m.atMs);
      }
      let sum: number | null = null;
      for (const [partition, p] of [...g.parts.entries()].sort(([a], [b]) => Number(a) - Number(b))) {
        const end = endOffsets.get(`${g.destination}\u0000${partition}`);
        if (end) {
          p.endOffset = end.n;
          touch(p, end.atMs);
        }
        if (p.lag !== null) sum = (sum ?? 0) + p.lag;
        const { atMs, ...lag } = p;
        g.partitions.push({ partition, broker: { ...lag, consumers: g.broker.consumers, at: new Date(atMs).toISOString() } });
      }
      g.broker.lag = g.lagSum ?? sum;
    } else if (g.broker.ready !== undefined || g.broker.unacknowledged !== undefined) {
      g.broker.lag = (g.broker.lag ?? 0) + (g.broker.ready ?? 0) + (g.broker.unacknowledged ?? 0);
    }
    g.broker.at = new Date(g.atMs).toISOString();
    out.push({ destination: g.destination, consumerGroup: g.consumerGroup, system: g.system, broker: g.broker, partitions: g.partitions });
  }
  return out.sort((a, b) => a.destination.localeCompare(b.destination) || a.consumerGroup.localeCompare(b.consumerGroup));
}

export async function brokerLag(store: Store, q: BrokerLagQuery): Promise<BrokerGroupLag[]> {
  return buildBrokerLag(await brokerPoints(store, q));
}

/**
 * Which broker entry belongs to a trace-derived (destination, group): the same pair, or for RabbitMQ
 * the group's queue (amqplib names the exchange as destination and the queue as group).
 */
export function matchBroker(
  broker: readonly BrokerGroupLag[],
  destination: string,
  consumerGroup: string,
): BrokerGroupLag | undefined {
  return (
    broker.find((b) => b.destination === destination && b.consumerGroup === consumerGroup) ??
    broker.find((b) => b.system === 'rabbitmq' && b.consumerGroup === consumerGroup)
  );
}

// ── beside trace-derived lag (/api/lag) ──

type WithBroker<T> = T & { broker?: BrokerLag };

/** A lag entry with what the broker says, and whether only the broker knows of it. */
export type GroupLagWithBroker = Omit<WithBroker<GroupLag>, 'partitions'> & {
  partitions: Array<WithBroker<PartitionLag>>;
  /** no span of this group in the range: only broker metrics tell of it (the trace figures are zero) */
  brokerOnly?: true;
};

export type LagResultWithBroker = Omit<LagResult, 'groups'> & { groups: GroupLagWithBroker[] };

/**
 * Attaches the broker's figures to the trace-derived groups (and partitions) they belong to, and adds
 * the groups only the broker knows, judged from its numbers alone: no consumer with messages waiting
 * is STOP; anything else OK (one reading shows no trend).
 */
export function withBrokerLag(result: LagResult, broker: readonly BrokerGroupLag[]): LagResultWithBroker {
  const used = new Set<BrokerGroupLag>();
  const groups: GroupLagWithBroker[] = result.groups.map((g) => {
    const b = matchBroker(broker, g.destination, g.consumerGroup);
    if (!b) return g;
    used.add(b);
    const byPartition = new Map(b.partitions.map((p) => [p.partition, p.broker]));
    const partitions = g.partitions.map((p) => {
      const pb = byPartition.get(p.partition);
      return pb ? { ...p, broker: pb } : p;
    });
    // partitions only the broker reports (no delivery on them in the range)
    const known = new Set(g.partitions.map((p) => p.partition));
    for (const p of b.partitions) if (!known.has(p.partition) && g.partitions.length > 0) partitions.push(brokerOnlyPartition(p.partition, p.broker));
    return { ...g, broker: b.broker, partitions };
  });
  for (const b of broker) {
    if (used.has(b)) continue;
    const verdict = judgeBrokerOnly(b.broker);
    groups.push({
      destination: b.destination,
      consumerGroup: b.consumerGroup,
      status: verdict.status,
      reason: verdict.reason,
      current: emptyCurrent(b.broker.at),
      series: [],
      partitions: b.partitions.map((p) => brokerOnlyPartition(p.partition, p.broker)),
      broker: b.broker,
      brokerOnly: true,
    });
  }
  groups.sort((a, b) => a.destination.localeCompare(b.destination) || a.consumerGroup.localeCompare(b.consumerGroup));
  return { ...result, groups };
}

export function judgeBrokerOnly(b: BrokerLag): { status: LagStatus; reason: string } {
  const waiting = b.lag === null ? 'an unknown number of messages' : `${b.lag} messages`;
  if (b.consumers === 0 && (b.lag ?? 0) > 0) return { status: 'STOP', reason: `no consumer: the broker counts ${waiting} waiting and 0 consumers` };
  const consumers = b.consumers === null ? '' : `, ${b.consumers} consumers`;
  return { status: 'OK', reason: `only broker metrics (${b.source}): ${waiting} waiting${consumers}; no spans of this group in the range` };
}

function brokerOnlyPartition(partition: string, broker: BrokerLag): WithBroker<PartitionLag> {
  const verdict = judgeBrokerOnly(broker);
  return { partition, status: verdict.status, reason: verdict.reason, current: emptyCurrent(broker.at), series: [], broker };
}

function emptyCurrent(at: string): LagCurrent {
  return { at, backlog: 0, oldestUndeliveredAgeMs: 0, offsetLag: null, queueP50Ms: null, queueP95Ms: null, queueMaxMs: null, lastDeliveryAt: null };
}

// ── on the flow map (/api/topology) ──

/** A destination node's broker figure: its most lagging group. */
export interface NodeBrokerLag extends BrokerLag {
  consumerGroup: string;
  /** no span tells of this destination: the node is there for the broker's numbers */
  onlyBroker?: true;
}

/**
 * Puts the broker's figures on the flow map: each deliver edge gets its group's (matched like
 * /api/lag), each destination node its most lagging group's; a destination only the broker knows
 * becomes a node of its own, so a queue nobody consumes still shows how many wait.
 */
export function withBrokerOnMap<T extends Topology>(graph: T, broker: readonly BrokerGroupLag[]): T {
  if (broker.length === 0) return graph;
  const used = new Set<BrokerGroupLag>();
  const nodeById = new Map(graph.nodes.map((n) => [n.id, n]));
  const nodes = graph.nodes.map((n) => ({ ...n }));
  const nodeIndex = new Map(nodes.map((n, i) => [n.id, i]));
  const edges = graph.edges.map((e) => {
    if (e.kind !== 'deliver' || e.group === undefined) return e;
    const dest = nodeById.get(e.source);
    if (!dest || dest.kind !== 'destination') return e;
    const b = matchBroker(broker, dest.label, e.group);
    if (!b) return e;
    used.add(b);
    return { ...e, broker: b.broker };
  });
  const best = new Map<string, NodeBrokerLag>();
  const consider = (id: string, b: BrokerGroupLag) => {
    const prev = best.get(id);
    if (!prev || (b.broker.lag ?? -1) > (prev.lag ?? -1)) best.set(id, { ...b.broker, consumerGroup: b.consumerGroup });
  };
  for (const b of broker) {
    const id = nodeId.destination(b.system, b.destination);
    if (nodeIndex.has(id)) {
      used.add(b);
      consider(id, b);
    }
  }
  // a group matched on an edge whose destination node has another name (RabbitMQ: the exchange)
  for (const e of edges) if (e.broker && e.group !== undefined) {
    const b = broker.find((x) => x.broker === e.broker)!;
    consider(e.source, b);
  }
  const onlyBroker = new Set<string>();
  for (const b of broker) {
    if (used.has(b)) continue;
    const id = nodeId.destination(b.system, b.destination);
    if (!nodeIndex.has(id)) {
      nodeIndex.set(id, nodes.length);
      nodes.push({ id, kind: 'destination', label: b.destination, system: b.system });
      onlyBroker.add(id);
    }
    consider(id, b);
  }
  for (const [id, nb] of best) nodes[nodeIndex.get(id)!]!.broker = onlyBroker.has(id) ? { ...nb, onlyBroker: true } : nb;
  return { ...graph, nodes, edges };
}
