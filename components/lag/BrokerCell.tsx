// What the broker itself reports for a consumer group (or partition), beside the trace-derived
// figures of the lag page: messages waiting, consumers, which receiver said so and when.
import type { BrokerLag } from '@/lib/analysis/broker-lag';
import { formatClock, formatCount } from '@/lib/ui/format';

const SOURCE_LABEL: Record<string, string> = {
  kafkametrics: 'Kafka (kafkametrics)',
  rabbitmq: 'RabbitMQ',
};

const SOURCE_HELP: Record<string, string> = {
  kafkametrics: 'consumer-group lag (newest offset − committed offset) from the OpenTelemetry Collector’s kafkametrics receiver',
  rabbitmq: 'messages in the queue (ready + unacknowledged) from the OpenTelemetry Collector’s rabbitmq receiver',
};

/** The broker's latest figure in one table cell; '–' when no broker metrics arrive for it. */
export function BrokerCell({ broker }: { broker?: BrokerLag }) {
  if (!broker) {
    return (
      <td className="num help" title="no broker metrics for this group (send them to /v1/metrics)" data-testid="lag-broker">
        –
      </td>
    );
  }
  const parts: string[] = [];
  if (broker.ready !== undefined || broker.unacknowledged !== undefined) parts.push(`${formatCount(broker.ready ?? 0)} ready, ${formatCount(broker.unacknowledged ?? 0)} unacked`);
  if (broker.offset != null) parts.push(`committed ${formatCount(broker.offset)}${broker.endOffset != null ? ` of ${formatCount(broker.endOffset)}` : ''}`);
  if (broker.consumers !== null) parts.push(`${formatCount(broker.consumers)} ${broker.consumers === 1 ? 'consumer' : 'consumers'}`);
  const title = `${SOURCE_HELP[broker.source] ?? broker.source}; latest point ${formatClock(broker.at)} UTC`;
  return (
    <td className="num" title={title} data-testid="lag-broker" data-source={broker.source} data-lag={broker.lag ?? ''}>
      <b>{broker.lag === null ? '?' : formatCount(broker.lag)}</b> <span className="help">waiting</span>
      <div className="help" style={{ fontSize: 11.5, whiteSpace: 'nowrap' }}>
        {SOURCE_LABEL[broker.source] ?? broker.source} · {formatClock(broker.at)}
        {parts.length ? ` · ${parts.join(' · ')}` : ''}
      </div>
    </td>
  );
}
