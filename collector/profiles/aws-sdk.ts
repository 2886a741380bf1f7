// Amazon SQS and SNS through @opentelemetry/instrumentation-aws-sdk (generated with the real
// instrumentation and @aws-sdk/client-sqs against a local stand-in endpoint, test/fixtures/aws-sdk/).
// Its messaging spans mostly follow the conventions; what the profile adds: the queue name from the
// span name when only the queue URL is named, and the SDK's other calls (DeleteMessage,
// GetQueueAttributes …) kept as plain calls rather than messaging spans.
import type { Profile } from './language.js';

export const awsSdk: Profile = {
  name: 'aws-sdk',
  description: 'Amazon SQS / SNS through @opentelemetry/instrumentation-aws-sdk',
  match: { scopes: ['@opentelemetry/instrumentation-aws-sdk'] },
  system: 'aws_sqs',
  operation: {
    from: ['messaging.operation.type', 'messaging.operation', 'rpc.method'],
    values: {
      publish: 'send',
      send: 'send',
      receive: 'receive',
      process: 'process',
      SendMessage: 'send',
      SendMessageBatch: 'send',
      Publish: 'send',
      PublishBatch: 'send',
      ReceiveMessage: 'receive',
    },
  },
  destination: ['messaging.destination.name', 'messaging.destination', { spanName: '^(\\S+) (?:send|publish|receive|process)$' }],
  messageId: ['messaging.message.id', 'messaging.message_id'],
  attempt: { from: 'messaging.aws.sqs.approximate_receive_count', first: 1 },
};
