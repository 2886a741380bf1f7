// Amazon SQS and SNS through @opentelemetry/instrumentation-aws-sdk (recorded with the real
// instrumentation 0.78 and @aws-sdk/client-sqs against a local stand-in endpoint; the test does the
// same). Its messaging spans follow the conventions (`<queue> send` PRODUCER, `<queue> receive`
// CONSUMER linked to each message's producer); what the profile adds:
// - an empty long-poll receive (`messaging.batch.message_count` 0) is housekeeping: a consumer polls
//   all day, and each empty poll would otherwise be a request and a delivery of nothing;
// - the SDK's other queue calls (DeleteMessage, ChangeMessageVisibility, GetQueueAttributes …) are
//   plain calls, not messaging spans, although they name the queue and `messaging.system`;
// - the attempt: the instrumentation records no receive count (its receive span is one per batch and
//   its links carry only the message id; its hooks cannot add a per-message attribute), so the
//   consumer's own per-message processing span names it: `aws.sqs.approximate_receive_count` (the
//   message's ApproximateReceiveCount, asked for with MessageSystemAttributeNames). Such a span is read
//   by this profile whatever its tracer (the attribute is the marker); a count above 1 is a
//   redelivery. Without it a redelivery is known from the failed previous attempt alone.
import type { Profile } from './language.js';

export const awsSdk: Profile = {
  name: 'aws-sdk',
  description: 'Amazon SQS / SNS through @opentelemetry/instrumentation-aws-sdk',
  match: { scopes: ['@opentelemetry/instrumentation-aws-sdk'], attribute: 'aws.sqs.approximate_receive_count' },
  system: 'aws_sqs',
  operation: {
    from: 'rpc.method',
    values: {
      SendMessage: 'send',
      SendMessageBatch: 'send',
      Publish: 'send',
      PublishBatch: 'send',
      ReceiveMessage: 'receive',
      DeleteMessage: 'ignore',
      DeleteMessageBatch: 'ignore',
      ChangeMessageVisibility: 'ignore',
      ChangeMessageVisibilityBatch: 'ignore',
      GetQueueAttributes: 'ignore',
      GetQueueUrl: 'ignore',
      ListQueues: 'ignore',
      CreateQueue: 'ignore',
      PurgeQueue: 'ignore',
    },
  },
  housekeeping: [{ attribute: 'messaging.batch.message_count', in: ['0'] }],
  destination: ['messaging.destination.name', 'messaging.destination', { spanName: '^(\\S+) (?:send|publish|receive|process)$' }],
  messageId: ['messaging.message.id', 'messaging.message_id'],
  attempt: { from: 'aws.sqs.approximate_receive_count', first: 1 },
};
