// Messaging normalization (DESIGN §4): fills the msg_* and peer_* columns of a span row from the
// attributes real instrumentations send, whatever semconv generation they speak. Pure functions.
//
// Every list below is "first found wins", newest names first. Raw attributes stay untouched.
import type { MessagingOperation, PeerKind, SpanKindName, SpanRow } from '../lib/store/rows.js';
import { canonicalI64 } from '../lib/store/anyvalue.js';
import { firstMet, matchProfile, type CompiledProfile, type ProfileSet } from './profiles/language.js';
import { BUILTIN_PROFILE_SET } from './profiles/index.js';

export interface NormalizeOptions {
  /** attribute naming the message type when `cloudevents.event_type` is absent */
  messageTypeAttribute?: string;
  /** instrumentation profiles by scope name (collector/profiles); absent = the shipped ones */
  profiles?: ProfileSet;
}

export type NormalizeInput = Pick<SpanRow, 'span_kind' | 'span_name' | 'service_name' | 'span_attributes'> &
  Partial<Pick<SpanRow, 'links.attributes'>>;

export type NormalizedColumns = Pick<
  SpanRow,
  | 'msg_system'
  | 'msg_operation'
  | 'msg_destination'
  | 'msg_partition'
  | 'msg_offset'
  | 'msg_message_id'
  | 'msg_consumer_group'
  | 'msg_key'
  | 'msg_conversation_id'
  | 'msg_message_type'
  | 'peer_name'
  | 'peer_kind'
>;

export const SYSTEM = ['messaging.system'] as const;
export const OPERATION_TYPE = ['messaging.operation.type'] as const;
export const OPERATION_LEGACY = ['messaging.operation'] as const;
export const DESTINATION = ['messaging.destination.name', 'messaging.destination', 'messaging.source.name'] as const;
export const PARTITION = [
  'messaging.destination.partition.id',
  'messaging.kafka.destination.partition',
  'messaging.kafka.source.partition',
  'messaging.kafka.partition',
] as const;
export const OFFSET = ['kafka.offset', 'messaging.kafka.offset', 'messaging.kafka.message.offset'] as const;
export const MESSAGE_ID = ['messaging.message.id', 'messaging.message_id'] as const;
export const CONSUMER_GROUP = [
  'messaging.consumer.group.name',
  'messaging.kafka.consumer.group',
  'messaging.kafka.consumer_group',
] as const;
export const KEY = [
  'kafka.message.key',
  'messaging.kafka.message.key',
  'messaging.kafka.message_key',
  'rabbitmq.destination.routing_key',
  'messaging.rabbitmq.destination.routing_key',
  'messaging.rabbitmq.routing_key',
] as const;
export const CONVERSATION_ID = ['messaging.message.conversation_id', 'messaging.conversation_id'] as const;
export const MESSAGE_TYPE = ['cloudevents.event_type'] as const;

const OPERATIONS: Record<string, MessagingOperation> = {
  create: 'create',
  send: 'send',
  publish: 'send',
  receive: 'receive',
  process: 'process',
  deliver: 'process',
  settle: 'settle',
};

/** The first attribute of `names` that is present and non-empty, else ''. */
function first(attrs: Record<string, string>, names: readonly string[]): string {
  for (let i = 0; i < names.length; i++) {
    const v = attrs[names[i]!];
    if (v !== undefined && v !== '') return v;
  }
  return '';
}

/** An offset as a canonical int64 decimal string, or null when absent or not an int64. */
export function parseOffset(raw: string): string | null {
  return raw === '' ? null : canonicalI64(raw);
}

function operationOf(attrs: Record<string, string>, kind: SpanKindName): MessagingOperation {
  const typed = OPERATIONS[first(attrs, OPERATION_TYPE)];
  if (typed) return typed;
  const legacy = OPERATIONS[first(attrs, OPERATION_LEGACY)];
  if (legacy) return legacy;
  if (kind === 'PRODUCER') return 'send';
  if (kind === 'CONSUMER') return 'process';
  return '';
}

/** amqplib names its consumer span `<queue> process`; the queue appears nowhere else. */
const RABBITMQ_CONSUMER_SPAN = /^(.+) (?:process|receive)$/;

function isConsumerSide(op: MessagingOperation): boolean {
  return op === 'receive' || op === 'process' || op === 'settle';
}

/**
 * A single link's attributes, when the span has exactly one link: batch-free consumers connected
 * by a link may carry the per-message attributes there (DESIGN §4).
 */
function soleLinkAttributes(input: NormalizeInput): Record<string, string> | undefined {
  const links = input['links.attributes'];
  return links && links.length === 1 ? links[0] : undefined;
}

/** A messaging span names a system or a destination, an operation, or is a PRODUCER/CONSUMER. */
export function isMessagingSpan(attrs: Record<string, string>, kind: SpanKindName): boolean {
  return (
    kind === 'PRODUCER' ||
    kind === 'CONSUMER' ||
    first(attrs, SYSTEM) !== '' ||
    first(attrs, DESTINATION) !== '' ||
    first(attrs, OPERATION_TYPE) !== '' ||
    first(attrs, OPERATION_LEGACY) !== ''
  );
}

/** The span's attribute, else its sole link's. */
function pick(attrs: Record<string, string>, link: Record<string, string> | undefined, names: readonly string[]): string {
  const v = first(attrs, names);
  return v !== '' || link === undefined ? v : first(link, names);
}

/** Computes the normalized columns of one span. */
export function normalizeSpan(input: NormalizeInput, opts: NormalizeOptions = {}): NormalizedColumns {
  const attrs = input.span_attributes;
  const kind = input.span_kind;
  if (!isMessagingSpan(attrs, kind)) return { ...EMPTY_MESSAGING, ...peerOf(attrs, kind) };

  const system = first(attrs, SYSTEM);
  const destination = first(attrs, DESTINATION);
  const operation = operationOf(attrs, kind);
  const link = soleLinkAttributes(input);

  let group = first(attrs, CONSUMER_GROUP);
  if (group === '' && isConsumerSide(operation)) {
    if (system === 'rabbitmq') group = RABBITMQ_CONSUMER_SPAN.exec(input.span_name)?.[1] ?? '';
    if (group === '') group = input.service_name;
  }

  let messageType = first(attrs, MESSAGE_TYPE);
  if (messageType === '' && opts.messageTypeAttribute) messageType = attrs[opts.messageTypeAttribute] ?? '';
  if (messageType === '' && link !== undefined) {
    messageType = first(link, MESSAGE_TYPE);
    if (messageType === '' && opts.messageTypeAttribute) messageType = link[opts.messageTypeAttribute] ?? '';
  }
  if (messageType === '') messageType = destination;

  return {
    msg_system: system,
    msg_operation: operation,
    msg_destination: destination,
    msg_partition: pick(attrs, link, PARTITION),
    msg_offset: parseOffset(pick(attrs, link, OFFSET)),
    msg_message_id: pick(attrs, link, MESSAGE_ID),
    msg_consumer_group: group,
    msg_key: pick(attrs, link, KEY),
    msg_conversation_id: pick(attrs, link, CONVERSATION_ID),
    msg_message_type: messageType,
    // messaging spans talk to a destination, not a peer
    peer_name: '',
    peer_kind: '',
  };
}

const EMPTY_MESSAGING = {
  msg_system: '',
  msg_operation: '',
  msg_destination: '',
  msg_partition: '',
  msg_offset: null,
  msg_message_id: '',
  msg_consumer_group: '',
  msg_key: '',
  msg_conversation_id: '',
  msg_message_type: '',
} as const satisfies Omit<NormalizedColumns, 'peer_name' | 'peer_kind'>;

const NO_PEER = { peer_name: '', peer_kind: '' as PeerKind };

/** The external peer a CLIENT span names: peer.service, a database, an HTTP or RPC server. */
function peerOf(attrs: Record<string, string>, kind: SpanKindName): { peer_name: string; peer_kind: PeerKind } {
  if (kind !== 'CLIENT') return NO_PEER;
  const service = attrs['peer.service'];
  if (service) return { peer_name: service, peer_kind: 'service' };
  const db = attrs['db.system.name'] || attrs['db.system'];
  if (db) {
    const namespace = attrs['db.namespace'] || attrs['db.name'] || '';
    return { peer_name: namespace ? `${db} ${namespace}` : db, peer_kind: 'database' };
  }
  if (attrs['http.request.method'] || attrs['http.method']) {
    const address = serverAddress(attrs) || urlHost(attrs['url.full'] || attrs['http.url'] || '');
    return address ? { peer_name: address, peer_kind: 'http' } : NO_PEER;
  }
  if (attrs['rpc.system']) {
    const address = serverAddress(attrs) || attrs['rpc.service'] || '';
    return address ? { peer_name: address, peer_kind: 'rpc' } : NO_PEER;
  }
  return NO_PEER;
}

/** server.address[:server.port], with the older net.peer.* names as fallback. */
function serverAddress(attrs: Record<string, string>): string {
  const host = attrs['server.address'] || attrs['net.peer.name'] || '';
  if (!host) return '';
  const port = attrs['server.address'] ? attrs['server.port'] : attrs['net.peer.port'];
  return port ? `${host}:${port}` : host;
}

function urlHost(url: string): string {
  if (!url) return '';
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

/** Writes the normalized columns into a decoded row (the decoders call this once per span). */
export function applyNormalization(row: SpanRow, opts: NormalizeOptions = {}): void {
  const profile = matchProfile(opts.profiles ?? BUILTIN_PROFILE_SET, row.scope_name, row.span_attributes);
  if (profile !== undefined) applyProfile(row, profile, opts);
  else if (!isMessagingSpan(row.span_attributes, row.span_kind)) {
    // the row's msg_* columns are already at their defaults
    const peer = peerOf(row.span_attributes, row.span_kind);
    row.peer_name = peer.peer_name;
    row.peer_kind = peer.peer_kind;
  } else writeColumns(row, normalizeSpan(row, opts));
  if (row.msg_operation !== '' && row.msg_redelivered === 0 && redeliveredByAttributes(row.span_attributes)) row.msg_redelivered = 1;
  // an `exception` event fails a span whatever its status says (most spans have no events at all)
  if (row.status_code !== 'ERROR' && row['events.name'].length > 0) {
    const i = row['events.name'].indexOf('exception');
    if (i >= 0) markFailed(row, row['events.attributes'][i]?.['exception.message'] || 'exception event');
  }
}

/** Redelivery flags: a delivery the broker marks as handed out before. */
export const REDELIVERED_FLAGS = [
  'messaging.rabbitmq.redelivered',
  'messaging.rabbitmq.message.redelivered',
  'messaging.message.redelivered',
  'messaging.redelivered',
] as const;
/** Delivery counters: above 1 the message was delivered before. */
export const DELIVERY_COUNTS = [
  'messaging.message.delivery_count',
  'messaging.servicebus.message.delivery_count',
  'messaging.gcp_pubsub.message.delivery_attempt',
] as const;
/** Retry counters: above 0 this is a retry. */
export const RETRY_COUNTS = ['messaging.retry.count', 'retry.count'] as const;

const count = (v: string | undefined) => (v !== undefined && /^[0-9]{1,19}$/.test(v) ? Number(v) : 0);

/**
 * Does a messaging span say it is a retry (spans.msg_redelivered)? A redelivery flag 'true' / '1',
 * a delivery count above 1 or a retry count above 0. Computed here once per span, so the
 * messaging view copies a flag instead of looking up nine attributes per row in the engine.
 */
export function redeliveredByAttributes(attrs: Record<string, string>): boolean {
  for (const k of REDELIVERED_FLAGS) {
    const v = attrs[k];
    if (v === 'true' || v === '1') return true;
  }
  for (const k of DELIVERY_COUNTS) if (count(attrs[k]) > 1) return true;
  for (const k of RETRY_COUNTS) if (count(attrs[k]) > 0) return true;
  return false;
}

function writeColumns(row: SpanRow, n: NormalizedColumns): void {
  row.msg_system = n.msg_system;
  row.msg_operation = n.msg_operation;
  row.msg_destination = n.msg_destination;
  row.msg_partition = n.msg_partition;
  row.msg_offset = n.msg_offset;
  row.msg_message_id = n.msg_message_id;
  row.msg_consumer_group = n.msg_consumer_group;
  row.msg_key = n.msg_key;
  row.msg_conversation_id = n.msg_conversation_id;
  row.msg_message_type = n.msg_message_type;
  row.peer_name = n.peer_name;
  row.peer_kind = n.peer_kind;
}

/**
 * A failed attempt that the span's status does not say (a library's failure event or attribute, an
 * `exception` event): stored as status ERROR so every view counts it as an error; the status message
 * says why when the sender gave none. The raw events and attributes stay as received.
 */
function markFailed(row: SpanRow, reason: string): void {
  row.status_code = 'ERROR';
  if (row.status_message === '') row.status_message = reason;
}

/** The profile's value, else the conventions' value. */
function or(read: ((a: Record<string, string>, n: string) => string) | undefined, row: SpanRow, fallback: string): string {
  if (read === undefined) return fallback;
  const v = read(row.span_attributes, row.span_name);
  return v !== '' ? v : fallback;
}

/** Normalizes a span of a library an instrumentation profile describes (collector/profiles). */
function applyProfile(row: SpanRow, p: CompiledProfile, opts: NormalizeOptions): void {
  const attrs = row.span_attributes;
  const mapped = p.operation ? p.operation.values[p.operation.read(attrs, row.span_name)] : undefined;
  if (mapped === 'housekeeping' || (p.housekeeping !== undefined && firstMet(p.housekeeping, attrs) !== undefined)) {
    row.msg_housekeeping = 1;
    return;
  }
  if (mapped === 'ignore') return;
  let operation: MessagingOperation = mapped ?? '';
  if (operation === '') operation = operationOf(attrs, row.span_kind);
  if (operation === '') {
    // not a messaging span of this library: an ordinary span (a call, an internal step)
    const peer = peerOf(attrs, row.span_kind);
    row.peer_name = peer.peer_name;
    row.peer_kind = peer.peer_kind;
  } else {
    // the conventions first (many libraries speak part of them), the profile's names over them
    const base = normalizeSpan(
      {
        span_kind: operation === 'send' || operation === 'create' ? 'PRODUCER' : 'CONSUMER',
        span_name: row.span_name,
        service_name: row.service_name,
        span_attributes: attrs,
        'links.attributes': row['links.attributes'],
      },
      opts,
    );
    const destination = or(p.destination, row, base.msg_destination);
    let group = or(p.consumerGroup, row, first(attrs, CONSUMER_GROUP));
    if (group === '' && isConsumerSide(operation)) group = row.service_name;
    let messageType = or(p.messageType, row, base.msg_message_type === base.msg_destination ? '' : base.msg_message_type);
    if (messageType === '') messageType = destination;
    writeColumns(row, {
      ...base,
      msg_system: base.msg_system || p.system,
      msg_operation: operation,
      msg_destination: destination,
      msg_partition: or(p.partition, row, base.msg_partition),
      msg_message_id: or(p.messageId, row, base.msg_message_id),
      // a profile's group names who consumes: a publish keeps what the conventions say (usually nothing)
      msg_consumer_group: isConsumerSide(operation) ? group : base.msg_consumer_group,
      msg_key: or(p.key, row, base.msg_key),
      msg_conversation_id: or(p.conversationId, row, base.msg_conversation_id),
      msg_message_type: messageType,
    });
    if (isConsumerSide(operation)) {
      const attempt = p.attempt ? Number(p.attempt.read(attrs, row.span_name) || NaN) : NaN;
      const flag = p.redelivered ? p.redelivered(attrs, row.span_name) : '';
      if (attempt > (p.attempt?.first ?? Infinity) || flag === 'true' || flag === '1') row.msg_redelivered = 1;
    }
  }
  if (p.failure !== undefined && row.status_code !== 'ERROR') {
    const reason = failureOf(row, p.failure);
    if (reason !== undefined) markFailed(row, reason);
  }
}

/** Why the profile says the span failed, or undefined when it does not. */
function failureOf(row: SpanRow, f: NonNullable<CompiledProfile['failure']>): string | undefined {
  const names = row['events.name'];
  if (f.events.size > 0) {
    for (let i = 0; i < names.length; i++) {
      if (!f.events.has(names[i]!)) continue;
      const ev = row['events.attributes'][i] ?? {};
      for (const r of f.reason) if (ev[r]) return ev[r];
      for (const r of f.reason) if (row.span_attributes[r]) return row.span_attributes[r];
      return names[i]!;
    }
  }
  const met = firstMet(f.attributes, row.span_attributes);
  if (met === undefined) return undefined;
  for (const r of f.reason) if (row.span_attributes[r]) return row.span_attributes[r];
  return `${met.attribute}=${row.span_attributes[met.attribute]}`;
}
