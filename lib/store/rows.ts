// The row shapes the collector writes into `spans` and `resources` (lib/store/migrations/001_spans.sql).
// Decoders produce these directly; a field maps 1:1 to a column (the store's encoders are generated
// from SPAN_COLUMNS / RESOURCE_COLUMNS and the tables' own column types, lib/store/rowbinary.ts).
// 64-bit values (nanosecond times, offsets, keys) are decimal strings so they stay exact end to end.

export type SpanKindName = 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
export type StatusCodeName = 'UNSET' | 'OK' | 'ERROR';
/** Normalized messaging operation (DESIGN §4); '' when the span is not a messaging span. */
export type MessagingOperation = '' | 'create' | 'send' | 'receive' | 'process' | 'settle';
/** Kind of external peer a CLIENT span talks to, when it names one. */
export type PeerKind = '' | 'service' | 'database' | 'http' | 'rpc';

/**
 * Attribute values are stored as strings in Map(String, String) columns so they can be filtered
 * in SQL. Values that were not OTLP strings are recorded in `attribute_types` under a prefixed key
 * so the typed value can be rebuilt exactly: a span's own 'span.<key>', 'event.<i>.<key>',
 * 'link.<i>.<key>' on the span row, 'resource.<key>' and 'scope.<key>' on its resource row.
 * Types: 'int' (decimal string, exact int64), 'double', 'bool' ('true'|'false'),
 * 'bytes' (base64), 'array' / 'kvlist' (JSON of typed values, see lib/store/anyvalue.ts).
 */
export type AttributeType = 'int' | 'double' | 'bool' | 'bytes' | 'array' | 'kvlist';

export interface SpanRow {
  /** start time, nanoseconds since the epoch, decimal string (DateTime64(9) accepts it) */
  timestamp: string;
  /** end − start in nanoseconds, decimal string (UInt64) */
  duration_ns: string;
  trace_id: string; // 32 lowercase hex chars
  span_id: string; // 16 lowercase hex chars
  parent_span_id: string; // '' for a root span
  trace_state: string;
  flags: number;
  span_name: string;
  span_kind: SpanKindName;
  service_name: string;
  /** host the span came from (host.name, else service.instance.id, else service.name): clock-skew unit */
  host: string;
  /** the span's resource and scope, shared by every span of its ScopeSpans; stored once (`resources`) */
  resource: ResourceRow;
  scope_name: string;
  scope_version: string;
  span_attributes: Record<string, string>;
  /** 'span.', 'event.<i>.' and 'link.<i>.' entries only */
  attribute_types: Record<string, AttributeType>;
  status_code: StatusCodeName;
  status_message: string;
  'events.timestamp': string[]; // ns decimal strings
  'events.name': string[];
  'events.attributes': Record<string, string>[];
  'links.trace_id': string[];
  'links.span_id': string[];
  'links.trace_state': string[];
  'links.attributes': Record<string, string>[];
  /** what the span lost before it was stored (OTLP's counts: the sender's plus the collector's limits) */
  dropped_attributes_count: number;
  dropped_events_count: number;
  dropped_links_count: number;
  // Normalized messaging columns (DESIGN §4); '' / null when not known.
  msg_system: string;
  msg_operation: MessagingOperation;
  msg_destination: string;
  msg_partition: string;
  msg_offset: string | null; // Int64 as decimal string
  msg_message_id: string;
  msg_consumer_group: string;
  msg_key: string;
  msg_conversation_id: string;
  msg_message_type: string;
  /** 1 when an instrumentation profile's attempt counter or flag says this delivery is a retry */
  msg_redelivered: number;
  /** 1 on a library's own bookkeeping span (collector/profiles): not a request, not on the map */
  msg_housekeeping: number;
  // External peer named by a CLIENT/PRODUCER span (peer.service, db.system/db.namespace, server.address)
  peer_name: string;
  peer_kind: PeerKind;
}

/**
 * One (resource, scope) pair as received: the same for every span of a ScopeSpans, so it is stored
 * once per day in `resources` and a span refers to it by `resource_key`.
 */
export interface ResourceRow {
  /** 64-bit hash of the resource's and scope's attributes and types, name and version (UInt64, decimal) */
  resource_key: string;
  service_name: string;
  resource_attributes: Record<string, string>;
  scope_name: string;
  scope_version: string;
  scope_attributes: Record<string, string>;
  /** 'resource.<key>' and 'scope.<key>' entries */
  attribute_types: Record<string, AttributeType>;
  /** the resource's environment and namespace (lib/hops/env.ts), written on each of its spans (spans.env / namespace) */
  env: string;
  namespace: string;
}

/** The columns of `spans` a SpanRow fills, in insert order (`resource_key` is `resource.resource_key`). */
export const SPAN_COLUMNS = [
  'timestamp', 'duration_ns', 'trace_id', 'span_id', 'parent_span_id', 'trace_state', 'flags', 'span_name',
  'span_kind', 'service_name', 'host', 'resource_key', 'scope_name', 'scope_version', 'span_attributes',
  'attribute_types', 'status_code', 'status_message', 'events.timestamp', 'events.name', 'events.attributes',
  'links.trace_id', 'links.span_id', 'links.trace_state', 'links.attributes', 'msg_system', 'msg_operation',
  'msg_destination', 'msg_partition', 'msg_offset', 'msg_message_id', 'msg_consumer_group', 'msg_key',
  'msg_conversation_id', 'msg_message_type', 'peer_name', 'peer_kind',
  'dropped_attributes_count', 'dropped_events_count', 'dropped_links_count',
  'msg_redelivered', 'msg_housekeeping', 'env', 'namespace',
] as const;

/** Span columns read from the span's resource row instead of the span row itself. */
export const SPAN_RESOURCE_FIELDS: Record<string, string[]> = {
  resource_key: ['resource', 'resource_key'],
  env: ['resource', 'env'],
  namespace: ['resource', 'namespace'],
};

/** The columns of `resources` a ResourceRow fills, plus its `day` (days since the epoch). */
export const RESOURCE_COLUMNS = [
  'resource_key', 'service_name', 'resource_attributes', 'scope_name', 'scope_version', 'scope_attributes',
  'attribute_types', 'day',
] as const;

/** What a decoder returns for one export request. */
export interface DecodedBatch {
  rows: SpanRow[];
  /** spans rejected alone (invalid trace/span id …); their siblings are in `rows` */
  rejectedSpans: number;
  /** first few reasons, for partial_success.error_message */
  rejectionMessages: string[];
  /** size of the decoded request body in bytes (after decompression) */
  bytes: number;
}
