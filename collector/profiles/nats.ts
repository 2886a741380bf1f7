// NATS / JetStream. No maintained OpenTelemetry instrumentation for the Node.js NATS client exists
// on npm (checked: nats, @nats-io/*, no @opentelemetry/instrumentation-nats); tracing is added by hand
// or by NATS.Net's `NATS.Net` ActivitySource. This profile reads what such spans carry: the subject
// (also from a `<subject> publish|receive|process` span name), the JetStream durable consumer as the
// consumer group, the stream sequence as the message id, and JetStream's delivery count as the attempt.
import type { Profile } from './language.js';

export const nats: Profile = {
  name: 'nats',
  description: 'NATS core and JetStream (semconv names plus JetStream metadata)',
  match: { scopes: ['NATS.Net', '@nats-io/nats-core', '@nats-io/jetstream', 'nats'] },
  system: 'nats',
  operation: {
    from: ['messaging.operation.type', 'messaging.operation', { spanName: ' (publish|send|receive|process|ack|heartbeat|flush|close)$' }],
    values: { publish: 'send', send: 'send', receive: 'receive', process: 'process', ack: 'ignore', heartbeat: 'housekeeping', flush: 'housekeeping', close: 'housekeeping' },
  },
  destination: ['messaging.destination.name', 'messaging.destination', { spanName: '^(\\S+) (?:publish|send|receive|process)$' }],
  messageId: ['messaging.message.id', 'messaging.nats.jetstream.stream_sequence'],
  consumerGroup: ['messaging.consumer.group.name', 'messaging.nats.jetstream.consumer', 'messaging.nats.queue_group'],
  attempt: { from: 'messaging.nats.jetstream.delivery_count', first: 1 },
  failure: { events: ['nak', 'term'], reason: ['exception.message'] },
};
