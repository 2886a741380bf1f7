// The vocabulary of DESIGN §1 that every layer shares, defined once: which messaging operations
// publish and which deliver, the consumer-lag statuses and their one severity order, the keys of
// spans, hops and messages, and the SQL lists generated from these sets. Pure: no I/O, safe to
// import from analysis, API, pages and client components alike.

// ---- messaging operations (normalized at ingest, DESIGN §4) ------------------------------------

/** Producer-side spans: a message is created (create) or handed to the broker (send). */
export const PUBLISH_OPERATIONS = ['create', 'send'] as const;
/** Consumer-side spans that deliver a message to a consumer group. */
export const DELIVER_OPERATIONS = ['receive', 'process'] as const;
/** Consumer-side spans that only acknowledge / reject a message: no delivery of their own. */
export const SETTLE_OPERATIONS = ['settle'] as const;
/** Every consumer-side operation: asynchronous with respect to the producer (clock skew, timeline). */
export const CONSUMER_OPERATIONS = [...DELIVER_OPERATIONS, ...SETTLE_OPERATIONS] as const;

export type PublishOperation = (typeof PUBLISH_OPERATIONS)[number];
export type DeliverOperation = (typeof DELIVER_OPERATIONS)[number];
export type ConsumerOperation = (typeof CONSUMER_OPERATIONS)[number];

const has = (set: readonly string[], v: string) => set.includes(v);
export const isPublishOperation = (op: string): op is PublishOperation => has(PUBLISH_OPERATIONS, op);
export const isDeliverOperation = (op: string): op is DeliverOperation => has(DELIVER_OPERATIONS, op);
export const isConsumerOperation = (op: string): op is ConsumerOperation => has(CONSUMER_OPERATIONS, op);

// ---- consumer lag status (DESIGN §6, lib/analysis/burrow.ts) -------------------------------------

/**
 * The Burrow-style statuses, least severe first. This order is the one severity ranking: the worst
 * status of a group's partitions, the merged edge of the flow map and the lag table's sort all use it.
 *
 * Burrow reports REWIND, STOP and STALL alike as an error for the group (ERR) and WARN as a
 * warning; within the errors we rank by how much work the consumer is leaving undone *now*:
 * - STOP is worst: the consumer is gone (silent longer than it was ever active) while messages
 *   wait or keep arriving; nothing will recover without a human.
 * - STALL: the consumer is there but makes no progress while a backlog waits.
 * - REWIND: the consumer does make progress, re-reading offsets it already processed (an offset
 *   reset or a replay). Its side effects may repeat, so it always needs a look, and it ranks above
 *   WARN, which is ordinary growth that often recovers by itself; but a rewinding consumer still
 *   delivers, so it ranks below the two statuses where deliveries have ceased.
 * - WARN: the backlog only grew across the window, yet messages are delivered.
 * - OK: caught up in the window, or making progress.
 */
export const LAG_STATUSES = ['OK', 'WARN', 'REWIND', 'STALL', 'STOP'] as const;
export type LagStatus = (typeof LAG_STATUSES)[number];

export const isLagStatus = (s: string): s is LagStatus => has(LAG_STATUSES, s);

/** 0 (OK) … 4 (STOP); an unknown status ranks below OK so it never hides a known one. */
export function lagSeverity(status: string): number {
  return (LAG_STATUSES as readonly string[]).indexOf(status);
}

/** Sort comparator: the most severe status first. */
export function byLagSeverityDesc(a: string, b: string): number {
  return lagSeverity(b) - lagSeverity(a);
}

/** The item with the most severe status (the first of equals), or undefined for none. */
export function worstByStatus<T>(items: Iterable<T>, statusOf: (item: T) => string): T | undefined {
  let worst: T | undefined;
  for (const item of items) {
    if (worst === undefined || lagSeverity(statusOf(item)) > lagSeverity(statusOf(worst))) worst = item;
  }
  return worst;
}

// ---- keys ----------------------------------------------------------------------------------------

/** A span in memory: (trace id, span id), as OTLP identifies it. */
export const spanKey = (traceId: string, spanId: string): string => `${traceId}:${spanId}`;

/**
 * A hop in memory: one deliver span × one message (a batch deliver span makes one hop per linked
 * message). Both parts are the 64-bit keys SQL returns as decimal strings: the deliver span's
 * `span_key` and the message's `message_key` (hops.ts).
 */
export const hopKey = (deliverKey: string, messageKey: string): string => `${deliverKey}\u0000${messageKey}`;

/**
 * Message identity strings (DESIGN §1), in order of preference: the creation context (producer
 * span), else the message id, else (destination, partition, offset), else the delivery itself
 * (a message that can be told apart from no other). hops.ts builds the same strings in SQL.
 */
export const messageIdentity = {
  span: (traceId: string, spanId: string) => `span:${traceId}:${spanId}`,
  id: (destination: string, messageId: string) => `id:${destination}:${messageId}`,
  offset: (destination: string, partition: string, offset: string) => `offset:${destination}:${partition}:${offset}`,
  delivery: (traceId: string, spanId: string) => `delivery:${traceId}:${spanId}`,
};

// ---- SQL -----------------------------------------------------------------------------------------

/**
 * A ClickHouse list literal of constants from this module: `sqlList(PUBLISH_OPERATIONS)` →
 * `('create', 'send')`. Only for fixed vocabulary (user input goes through query parameters), so
 * anything but plain words is refused rather than escaped.
 */
export function sqlList(values: readonly string[]): string {
  if (values.length === 0) throw new Error('sqlList: an empty list is not valid SQL');
  for (const v of values) {
    if (!/^[A-Za-z0-9_.-]+$/.test(v)) throw new Error(`sqlList: ${JSON.stringify(v)} is not a vocabulary constant`);
  }
  return `(${values.map((v) => `'${v}'`).join(', ')})`;
}

/** The operation lists as SQL, for `operation IN …` (messaging_spans) and `msg_operation IN …` (spans). */
export const PUBLISH_SQL = sqlList(PUBLISH_OPERATIONS);
export const DELIVER_SQL = sqlList(DELIVER_OPERATIONS);
