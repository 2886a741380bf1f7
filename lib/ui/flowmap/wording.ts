// What the map says: node kinds and subtitles, the short edge label and its full details.
import { errorRatio, formatClock, formatCount, formatDurationMs, formatPercent, formatRate } from '../format.js';
import type { EdgeLagInput, FlowNodeKind, LabelPart } from './types.js';

export function nodeKindOf(kind: string): FlowNodeKind {
  const k = kind.toLowerCase().replace(/[_\s-]/g, '');
  if (k === 'destination' || k === 'topic' || k === 'queue' || k === 'exchange') return 'destination';
  if (k === 'messagetype') return 'messageType';
  if (k === 'consumergroup' || k === 'group') return 'consumerGroup';
  if (k === 'peer' || k === 'external' || k === 'database' || k === 'externalpeer') return 'peer';
  return 'service';
}

/** The subtitle a node shows under its name (kept here so the layout can size the box for it). */
export function nodeSubtitle(kind: FlowNodeKind, system?: string, peerKind?: string, deadLetter?: boolean, broker?: BrokerNote | null): string {
  if (kind === 'destination') {
    // a RabbitMQ destination only broker metrics tell of is a queue (traces name exchanges)
    const word = broker?.onlyBroker && (system ?? '').toLowerCase() === 'rabbitmq' ? 'queue' : destinationWord(system);
    const base = `${system ?? ''} ${deadLetter ? 'dead-letter ' : ''}${word}`.trim();
    return broker && broker.lag !== null ? `${base} · broker ${formatCount(broker.lag)}` : base;
  }
  if (kind === 'messageType') return `${system ?? ''} message type`.trim();
  if (kind === 'consumerGroup') return 'consumer group';
  if (kind === 'peer') return `${peerKind || 'external'} · no spans`;
  return 'service';
}

/** What the broker's own metrics say of a group (lib/analysis/broker-lag.ts), as the map needs it. */
export interface BrokerNote {
  source: string;
  lag: number | null;
  consumers: number | null;
  at: string;
  consumerGroup?: string;
  /** a destination node only broker metrics tell of */
  onlyBroker?: true;
}

/** One line on what the broker reports: '42 msgs waiting · 2 consumers (kafkametrics, 12:03:04 UTC)'. */
export function brokerLine(b: BrokerNote): string {
  const waiting = b.lag === null ? 'unknown waiting' : `${formatCount(b.lag)} ${b.lag === 1 ? 'msg' : 'msgs'} waiting`;
  const consumers = b.consumers === null ? '' : ` · ${formatCount(b.consumers)} ${b.consumers === 1 ? 'consumer' : 'consumers'}`;
  return `${waiting}${consumers} (${b.source}, ${formatClock(b.at)} UTC)`;
}

/** What a destination is called on its messaging system (the API gives the system only). */
export function destinationWord(system?: string): string {
  const s = (system ?? '').toLowerCase();
  if (s === 'kafka' || s === 'pulsar' || s === 'eventhubs') return 'topic';
  if (s === 'rabbitmq') return 'exchange';
  if (s === 'aws_sqs' || s === 'activemq' || s === 'servicebus' || s === 'jms') return 'queue';
  return 'destination';
}

/** What a dead-letter destination is, for its tooltip and the legend. */
export const DEAD_LETTER_HELP =
  'dead-letter destination: where messages end up that could not be processed (after their retries); recognised by its name (.dlq, -dlt, _error, deadletter …) or configured (EVENTSCOPE_DEAD_LETTER_PATTERNS)';

/**
 * The short label: rate ("idle" for a consumer group known from recent history that delivered
 * nothing in the range), then the error rate when there are errors and the retry rate beside it
 * when there are retries, then the lag status when not OK.
 */
export function edgeLabelShort(
  e: { count: number; errors: number; retries?: number | null; kind: string; lag?: EdgeLagInput | null; messageType?: string; broker?: BrokerNote | null },
  rangeMs: number,
): LabelPart[] {
  const parts: LabelPart[] = [];
  if (e.messageType) parts.push({ text: e.messageType, tone: 'type' });
  if (e.kind === 'deliver' && e.count === 0) parts.push({ text: 'idle', tone: 'idle' });
  else parts.push({ text: formatRate(e.count, rangeMs), tone: 'rate' });
  if (e.errors > 0) parts.push({ text: `${formatPercent(errorRatio(e.errors, e.count))} err`, tone: 'error' });
  if (e.retries) parts.push({ text: `${formatPercent(errorRatio(e.retries, e.count))} retry`, tone: 'retry' });
  if (e.kind === 'deliver' && e.lag && e.lag.status !== 'OK') {
    parts.push({ text: `lag ${e.lag.status}`, tone: 'lag' });
  }
  // what the broker counts waiting, when it counts any
  if (e.kind === 'deliver' && e.broker?.lag) parts.push({ text: `broker ${formatCount(e.broker.lag)}`, tone: 'lag' });
  return parts;
}

/** The full metrics, shown when the edge is hovered or selected. */
export function edgeLabelDetails(
  e: {
    kind: string; count: number; errors: number; retries?: number | null; p50Ms?: number | null; p95Ms?: number | null;
    queueP50Ms?: number | null; queueP95Ms?: number | null; lag?: EdgeLagInput | null; group?: string; consumer?: string;
    broker?: BrokerNote | null;
  },
  rangeMs: number,
): string[] {
  const lines: string[] = [];
  const noun = e.kind === 'publish' ? 'published' : e.kind === 'deliver' ? 'delivered' : 'calls';
  if (e.kind === 'deliver' && e.count === 0) {
    lines.push('idle: no deliveries in this range (the group consumed here recently)');
  } else {
    const failed = e.errors > 0 ? ` · ${formatCount(e.errors)} failed (${formatPercent(errorRatio(e.errors, e.count))})` : '';
    const retried = e.retries ? ` · ${formatCount(e.retries)} retried (${formatPercent(errorRatio(e.retries, e.count))})` : '';
    lines.push(`${formatCount(e.count)} ${noun} · ${formatRate(e.count, rangeMs)}${failed}${retried}`);
  }
  if (e.kind === 'deliver' && e.group) lines.push(`group ${e.group}${e.consumer ? ` (${e.consumer})` : ''}`);
  if (e.p50Ms != null || e.p95Ms != null) lines.push(`${e.kind === 'deliver' ? 'processing' : 'duration'} p50 ${formatDurationMs(e.p50Ms)} · p95 ${formatDurationMs(e.p95Ms)}`);
  if (e.kind === 'deliver' && (e.queueP50Ms != null || e.queueP95Ms != null)) {
    lines.push(`queue p50 ${formatDurationMs(e.queueP50Ms)} · p95 ${formatDurationMs(e.queueP95Ms)}`);
  }
  if (e.kind === 'deliver' && e.lag) {
    const oldest = e.lag.backlog > 0 ? ` · oldest ${formatDurationMs(e.lag.oldestUndeliveredAgeMs)}` : '';
    lines.push(`lag ${formatCount(e.lag.backlog)} ${e.lag.backlog === 1 ? 'msg' : 'msgs'}${oldest} · ${e.lag.status}`);
  }
  if (e.kind === 'deliver' && e.broker) lines.push(`broker: ${brokerLine(e.broker)}`);
  return lines;
}
