// Sidekiq with opentelemetry-instrumentation-sidekiq (Ruby; shape from its documented middleware
// attributes): the queue is `messaging.destination`, the job id `messaging.message_id`, the job class
// `messaging.sidekiq.job_class`; the consumer span is by default a new trace linked to the producer.
// Its optional poller / heartbeat spans are housekeeping.
import type { Profile } from './language.js';

export const sidekiq: Profile = {
  name: 'sidekiq',
  description: 'Sidekiq jobs traced by opentelemetry-instrumentation-sidekiq (Ruby)',
  match: { scopes: ['OpenTelemetry::Instrumentation::Sidekiq'] },
  system: 'sidekiq',
  operation: {
    from: ['messaging.operation', { spanName: '^(Sidekiq::(?:Scheduled::Poller|Launcher|Processor|Scheduled::Enq))' }],
    values: {
      process: 'process',
      'Sidekiq::Scheduled::Poller': 'housekeeping',
      'Sidekiq::Launcher': 'housekeeping',
      'Sidekiq::Processor': 'housekeeping',
      'Sidekiq::Scheduled::Enq': 'housekeeping',
    },
  },
  destination: ['messaging.destination.name', 'messaging.destination', { spanName: '^(\\S+) (?:send|publish|process)$' }],
  messageId: ['messaging.message.id', 'messaging.message_id'],
  messageType: 'messaging.sidekiq.job_class',
  attempt: { from: 'messaging.sidekiq.job.retry_count', first: 0 },
};
