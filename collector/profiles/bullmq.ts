// BullMQ with its OpenTelemetry add-on `bullmq-otel` (recorded from bullmq 6.7 + bullmq-otel 2.0,
// test/fixtures/bullmq/): the queue is in `bullmq.queue.name`, the operation in
// `bullmq.queue.operation`, a failed attempt is a `job failed` event on a span whose status stays
// UNSET, and the attempt counter is `bullmq.job.attempts.made` (1 on the first attempt).
import type { Profile } from './language.js';

export const bullmq: Profile = {
  name: 'bullmq',
  description: 'BullMQ jobs traced by bullmq-otel (Redis)',
  // the add-on's default tracer name; a custom `tracerName` is still matched by the marker attribute
  match: { scopes: ['bullmq'], attribute: 'bullmq.queue.operation' },
  system: 'bullmq',
  operation: {
    from: 'bullmq.queue.operation',
    values: {
      add: 'send',
      addBulk: 'send',
      process: 'process',
      // the worker's and queue's own bookkeeping: never a request of its own, never on the map
      startStalledCheckTimer: 'housekeeping',
      moveStalledJobsToWait: 'housekeeping',
      extendLocks: 'housekeeping',
      getNextJob: 'housekeeping',
      close: 'housekeeping',
      drain: 'housekeeping',
      clean: 'housekeeping',
      obliterate: 'housekeeping',
      pause: 'housekeeping',
      resume: 'housekeeping',
      promoteJobs: 'housekeeping',
      rateLimit: 'housekeeping',
      trimEvents: 'housekeeping',
      removeDeduplicationKey: 'housekeeping',
      removeDebounceKey: 'housekeeping',
      // job-level steps inside a job's trace (delay before a retry, complete, remove …) stay plain spans
      delay: 'ignore',
      complete: 'ignore',
      remove: 'ignore',
      updateJobProgress: 'ignore',
      retryJobs: 'ignore',
    },
  },
  destination: ['bullmq.queue.name', { spanName: '^\\S+ ([^.\\s]+)' }],
  messageId: 'bullmq.job.id',
  // every worker of a queue competes for its jobs: the queue is the consumer group
  consumerGroup: 'bullmq.queue.name',
  key: 'bullmq.job.deduplication.key',
  messageType: 'bullmq.job.name',
  attempt: { from: 'bullmq.job.attempts.made', first: 1 },
  failure: { events: ['job failed'], reason: ['bullmq.job.failed.reason'] },
};
