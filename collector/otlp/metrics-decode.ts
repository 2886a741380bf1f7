// What the OTLP metrics decoders (metrics-proto.ts, metrics-json.ts) share: which metrics are the
// broker's own lag numbers, how each maps to a broker_metrics row, and the per-point validation.
//
// Stored (everything else is acknowledged, counted as not stored in partial_success, and dropped):
// - OpenTelemetry Collector kafkametricsreceiver (source 'kafkametrics'; point attributes group,
//   topic, partition): kafka.consumer_group.lag, .lag_sum, .offset, .offset_sum, .members,
//   kafka.partition.current_offset, kafka.partition.oldest_offset
// - rabbitmqreceiver (source 'rabbitmq'; resource attributes rabbitmq.queue.name, rabbitmq.vhost.name,
//   rabbitmq.node.name; point attribute state): rabbitmq.message.current, rabbitmq.consumer.count,
//   rabbitmq.message.published, .delivered, .acknowledged, .dropped
// - client libraries' messaging metrics (source 'messaging'; messaging.destination.name,
//   messaging.consumer.group.name, messaging.destination.partition.id, messaging.system):
//   messaging.client.sent.messages, messaging.client.consumed.messages and their older names
//   messaging.publish.messages, messaging.receive.messages
// Gauge and Sum points only (int or double, every temporality, stored as received); a histogram or
// summary of one of these names is not stored either.
import type { DecodeLimits } from './decode.js';
import { NO_LIMITS, truncateValue } from './decode.js';

export type BrokerSource = 'kafkametrics' | 'rabbitmq' | 'messaging';

/** One row of broker_metrics (JSONEachRow shape; times as 'YYYY-MM-DD hh:mm:ss.nnnnnnnnn' UTC text). */
export interface BrokerMetricRow {
  time: string;
  start_time: string;
  source: BrokerSource;
  metric: string;
  system: string;
  destination: string;
  consumer_group: string;
  partition: string;
  state: string;
  value: number;
  value_int: string | null;
  temporality: Temporality;
  monotonic: 0 | 1;
  unit: string;
  service_name: string;
  vhost: string;
  node: string;
  resource_attributes: Record<string, string>;
  attributes: Record<string, string>;
}

export type Temporality = 'gauge' | 'unspecified' | 'delta' | 'cumulative';
/** AggregationTemporality enum of metrics.proto, by number */
export const TEMPORALITIES: readonly Temporality[] = ['unspecified', 'delta', 'cumulative'];

/** What a metric's points are identified by. */
type Scope = 'group-partition' | 'group-topic' | 'group' | 'topic-partition' | 'queue' | 'messaging';

interface MetricRule {
  source: BrokerSource;
  scope: Scope;
}

const RULES: ReadonlyMap<string, MetricRule> = new Map<string, MetricRule>([
  ['kafka.consumer_group.lag', { source: 'kafkametrics', scope: 'group-partition' }],
  ['kafka.consumer_group.offset', { source: 'kafkametrics', scope: 'group-partition' }],
  ['kafka.consumer_group.lag_sum', { source: 'kafkametrics', scope: 'group-topic' }],
  ['kafka.consumer_group.offset_sum', { source: 'kafkametrics', scope: 'group-topic' }],
  ['kafka.consumer_group.members', { source: 'kafkametrics', scope: 'group' }],
  ['kafka.partition.current_offset', { source: 'kafkametrics', scope: 'topic-partition' }],
  ['kafka.partition.oldest_offset', { source: 'kafkametrics', scope: 'topic-partition' }],
  ['rabbitmq.message.current', { source: 'rabbitmq', scope: 'queue' }],
  ['rabbitmq.consumer.count', { source: 'rabbitmq', scope: 'queue' }],
  ['rabbitmq.message.published', { source: 'rabbitmq', scope: 'queue' }],
  ['rabbitmq.message.delivered', { source: 'rabbitmq', scope: 'queue' }],
  ['rabbitmq.message.acknowledged', { source: 'rabbitmq', scope: 'queue' }],
  ['rabbitmq.message.dropped', { source: 'rabbitmq', scope: 'queue' }],
  ['messaging.client.sent.messages', { source: 'messaging', scope: 'messaging' }],
  ['messaging.client.consumed.messages', { source: 'messaging', scope: 'messaging' }],
  ['messaging.publish.messages', { source: 'messaging', scope: 'messaging' }],
  ['messaging.receive.messages', { source: 'messaging', scope: 'messaging' }],
]);

/** The names of the stored metrics (for docs and messages). */
export const BROKER_METRIC_NAMES: readonly string[] = [...RULES.keys()];

export function isBrokerMetric(name: string): boolean {
  return RULES.has(name);
}

/** How many rejection reasons and ignored metric names a response keeps. */
const MAX_MESSAGES = 5;
/** NumberDataPoint.flags bit FLAG_NO_RECORDED_VALUE: a staleness marker, not a value */
const FLAG_NO_RECORDED_VALUE = 1;
const MAX_NS = '9223372036854775807';

/** A resource of a ResourceMetrics, as the decoders read it. */
export interface MetricResource {
  attributes: Record<string, string>;
}

/** A Metric's header: what its points share. */
export interface MetricHeader {
  name: string;
  unit: string;
  /** 'gauge' | 'sum' | another data kind (histogram, summary …) | '' when none is set */
  kind: string;
  temporality: Temporality;
  monotonic: boolean;
}

/** One NumberDataPoint as decoded. */
export interface PointInput {
  attributes: Record<string, string>;
  startNs: string;
  timeNs: string;
  /** as_int (exact decimal) or as_double; absent when the point has neither */
  value?: { int: string } | { double: number };
  flags: number;
}

/** The decoded request: rows to store and what was left out, for partial_success. */
export interface DecodedMetrics {
  rows: BrokerMetricRow[];
  /** points of stored metrics refused alone (bad time, value or attributes) */
  rejectedPoints: number;
  rejectionMessages: string[];
  /** points of metrics Eventscope does not store (accepted, not stored) */
  ignoredPoints: number;
  ignoredMetrics: string[];
  bytes: number;
}

/** Collects the rows of one request; validates each point of a broker metric. */
export class MetricBatchBuilder implements DecodedMetrics {
  rows: BrokerMetricRow[] = [];
  rejectedPoints = 0;
  rejectionMessages: string[] = [];
  ignoredPoints = 0;
  ignoredMetrics: string[] = [];
  private readonly ignoredNames = new Set<string>();
  private readonly limits: DecodeLimits;

  constructor(
    public bytes: number,
    limits?: DecodeLimits,
  ) {
    this.limits = limits ?? NO_LIMITS;
  }

  /** Whether a metric's points should be decoded at all; counts the others as ignored. */
  wants(metric: MetricHeader, points: number): boolean {
    if (RULES.has(metric.name) && (metric.kind === 'gauge' || metric.kind === 'sum')) return true;
    this.ignore(metric, points);
    return false;
  }

  ignore(metric: MetricHeader, points: number): void {
    this.ignoredPoints += points;
    const label = RULES.has(metric.name) ? `${metric.name} (${metric.kind || 'no data'}: only gauge and sum points are stored)` : metric.name;
    if (!this.ignoredNames.has(label)) {
      this.ignoredNames.add(label);
      if (this.ignoredMetrics.length < MAX_MESSAGES) this.ignoredMetrics.push(label);
    }
  }

  /** Validates one point of a wanted metric into a row, or rejects it alone with its reason. */
  point(resource: MetricResource, metric: MetricHeader, p: PointInput, where: string): void {
    const problem = this.pointProblem(p);
    if (problem !== undefined) {
      if (problem !== '') this.reject(`${metric.name} point ${where}: ${problem}`);
      return;
    }
    const rule = RULES.get(metric.name)!;
    const row = this.newRow(resource, metric, rule, p);
    const missing = identify(row, rule, p.attributes, resource.attributes);
    if (missing !== '') {
      this.reject(`${metric.name} point ${where}: ${missing}`);
      return;
    }
    this.rows.push(row);
  }

  /** Why a point cannot be stored; '' = skipped without a reason (a staleness marker); undefined = fine. */
  private pointProblem(p: PointInput): string | undefined {
    if (p.value === undefined) {
      if (p.flags & FLAG_NO_RECORDED_VALUE) {
        this.ignoredPoints++;
        return '';
      }
      return 'has no value (neither as_int nor as_double)';
    }
    if ('double' in p.value && !Number.isFinite(p.value.double)) return `value ${p.value.double} is not a finite number`;
    if (p.timeNs === '0') return 'time_unix_nano is missing';
    if (!storable(p.timeNs) || !storable(p.startNs)) return 'time is beyond 2262-04-11, the latest time that can be stored';
    return undefined;
  }

  private newRow(resource: MetricResource, metric: MetricHeader, rule: MetricRule, p: PointInput): BrokerMetricRow {
    const v = p.value!;
    return {
      time: nsToDateTime64(p.timeNs),
      start_time: nsToDateTime64(p.startNs),
      source: rule.source,
      metric: metric.name,
      system: '',
      destination: '',
      consumer_group: '',
      partition: '',
      state: '',
      value: 'int' in v ? Number(v.int) : v.double,
      value_int: 'int' in v ? v.int : null,
      temporality: metric.kind === 'gauge' ? 'gauge' : metric.temporality,
      monotonic: metric.kind === 'sum' && metric.monotonic ? 1 : 0,
      unit: this.cut(metric.unit),
      service_name: this.cut(resource.attributes['service.name'] ?? ''),
      vhost: '',
      node: '',
      resource_attributes: this.capped(resource.attributes),
      attributes: this.capped(p.attributes),
    };
  }

  private cut(s: string): string {
    return s.length > this.limits.attributeValueLength ? truncateValue(s, this.limits.attributeValueLength) : s;
  }

  /** At most EVENTSCOPE_MAX_ATTRIBUTES_PER_SPAN attributes, values cut like span attributes. */
  private capped(attributes: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    let n = 0;
    for (const k in attributes) {
      if (n++ >= this.limits.attributesPerSpan) break;
      out[k] = this.cut(attributes[k]!);
    }
    return out;
  }

  reject(reason: string): void {
    this.rejectedPoints++;
    if (this.rejectionMessages.length < MAX_MESSAGES) this.rejectionMessages.push(reason);
  }

  result(): DecodedMetrics {
    return {
      rows: this.rows,
      rejectedPoints: this.rejectedPoints,
      rejectionMessages: this.rejectionMessages,
      ignoredPoints: this.ignoredPoints,
      ignoredMetrics: this.ignoredMetrics,
      bytes: this.bytes,
    };
  }
}

/**
 * Fills a row's destination, group, partition and resource fields from the metric's attributes;
 * returns which required attribute is missing ('' when none).
 */
function identify(row: BrokerMetricRow, rule: MetricRule, a: Record<string, string>, r: Record<string, string>): string {
  const need = (v: string | undefined, name: string): string => (v === undefined || v === '' ? `attribute ${name} is missing` : '');
  const pick = (...vs: Array<string | undefined>) => vs.find((v) => v !== undefined && v !== '');
  switch (rule.scope) {
    case 'group-partition':
    case 'group-topic':
    case 'group':
    case 'topic-partition': {
      row.system = 'kafka';
      const group = a.group;
      const topic = a.topic;
      const partition = a.partition;
      if (rule.scope !== 'topic-partition') {
        const m = need(group, 'group');
        if (m) return m;
        row.consumer_group = group!;
      }
      if (rule.scope !== 'group') {
        const m = need(topic, 'topic');
        if (m) return m;
        row.destination = topic!;
      }
      if (rule.scope === 'group-partition' || rule.scope === 'topic-partition') {
        const m = need(partition, 'partition');
        if (m) return m;
        if (!/^\d+$/.test(partition!)) return `attribute partition must be a partition number, got ${JSON.stringify(partition!.slice(0, 40))}`;
        row.partition = partition!;
      }
      return '';
    }
    case 'queue': {
      row.system = 'rabbitmq';
      // the receiver puts the queue on the resource; a point attribute is accepted too
      const queue = pick(r['rabbitmq.queue.name'], a['rabbitmq.queue.name']);
      const m = need(queue, 'rabbitmq.queue.name (resource)');
      if (m) return m;
      row.destination = queue!;
      // RabbitMQ's consumer group is the queue (DESIGN §1)
      row.consumer_group = queue!;
      row.vhost = pick(r['rabbitmq.vhost.name'], a['rabbitmq.vhost.name']) ?? '';
      row.node = pick(r['rabbitmq.node.name'], a['rabbitmq.node.name']) ?? '';
      row.state = a.state ?? '';
      if (row.metric === 'rabbitmq.message.current' && row.state !== '' && row.state !== 'ready' && row.state !== 'unacknowledged') {
        return `attribute state must be ready or unacknowledged, got ${JSON.stringify(row.state.slice(0, 40))}`;
      }
      return '';
    }
    case 'messaging': {
      row.system = pick(a['messaging.system'], r['messaging.system']) ?? '';
      const destination = pick(a['messaging.destination.name'], a['messaging.destination']);
      const m = need(destination, 'messaging.destination.name');
      if (m) return m;
      row.destination = destination!;
      row.consumer_group = pick(a['messaging.consumer.group.name'], a['messaging.kafka.consumer.group']) ?? '';
      row.partition = pick(a['messaging.destination.partition.id']) ?? '';
      return '';
    }
  }
}

function storable(ns: string): boolean {
  return ns.length < MAX_NS.length || (ns.length === MAX_NS.length && ns <= MAX_NS);
}

/**
 * Nanoseconds (unsigned decimal text, at most 2262-04-11) → 'YYYY-MM-DD hh:mm:ss.nnnnnnnnn' UTC, which
 * DateTime64(9) parses exactly (a bare 'seconds.fraction' is misread below ten digits of seconds).
 */
export function nsToDateTime64(ns: string): string {
  const padded = ns.padStart(10, '0');
  const seconds = Number(padded.slice(0, -9));
  return `${new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ')}.${padded.slice(-9)}`;
}

/** The partial_success text: points refused alone and metrics left out. */
export function partialSuccessMessage(d: DecodedMetrics): string {
  const parts: string[] = [];
  if (d.rejectedPoints > 0) parts.push(`${d.rejectedPoints} points rejected: ${d.rejectionMessages.join('; ')}`);
  if (d.ignoredPoints > 0) {
    const names = d.ignoredMetrics.join(', ');
    parts.push(
      `${d.ignoredPoints} points not stored: Eventscope stores broker lag metrics only (kafka.consumer_group.*, kafka.partition.*_offset, rabbitmq.*, messaging.client.*); not stored: ${names}`,
    );
  }
  return parts.join('; ');
}
