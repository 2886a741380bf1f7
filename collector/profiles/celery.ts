// Celery with opentelemetry-instrumentation-celery (Python; shape from its documented attributes:
// utils.py CELERY_CONTEXT_ATTRIBUTES and the span names `apply_async/<task>` / `run/<task>`).
// The destination is the old `messaging.destination` (the routing key), the task id is
// `messaging.message_id`, retries are `celery.retries` (set only when > 0) and a retried or failed
// run says so in `celery.state`.
import type { Profile } from './language.js';

export const celery: Profile = {
  name: 'celery',
  description: 'Celery tasks traced by opentelemetry-instrumentation-celery (Python)',
  match: { scopes: ['opentelemetry.instrumentation.celery'] },
  system: 'celery',
  operation: { from: ['celery.action', { spanName: '^(apply_async|run)/' }], values: { apply_async: 'send', run: 'process' } },
  destination: ['messaging.destination.name', 'messaging.destination', 'celery.queue'],
  messageId: ['messaging.message.id', 'messaging.message_id'],
  conversationId: ['messaging.conversation_id'],
  messageType: ['celery.task_name', { spanName: '^(?:apply_async|run)/(.+)$' }],
  attempt: { from: 'celery.retries', first: 0 },
  failure: { attributes: [{ attribute: 'celery.state', in: ['FAILURE', 'RETRY'] }], reason: ['celery.retry.reason', 'exception.message'] },
};
