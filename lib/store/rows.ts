// The row shape the collector writes into `spans` (see lib/store/migrations/001_spans.sql).
// Decoders produce these directly; every field maps 1:1 to a column, in JSONEachRow form.
// 64-bit values (nanosecond times, offsets) are decimal strings so they stay exact end to end.

export type SpanKindName = 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
export type StatusCodeName = 'UNSET' | 'OK' | 'ERROR';
/** Normalized messaging operation (DESIGN §4); '' when the span is not a messaging span. */
export type MessagingOperation = '' | 'create' | 'send' | 'receive' | 'process' | 'settle';
/** Kind of external peer a CLIENT span talks to, when it names one. */
export type PeerKind = '' | 'service' | 'database' | 'http' | 'rpc';

/**
 * Attribute values are stored as strings in Map(String, String) columns so they can be filtered
 * in SQL. Values that were not OTLP strings are recorded in `attribute_types` under a prefixed key
 * so the typed value can be rebuilt exactly:
 *   'span.<key>', 'resource.<key>', 'scope.<key>', 'event.<i>.<key>', 'link.<i>.<key>'
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
  resource_attributes: Record<string, string>;
  scope_name: string;
  scope_version: string;
  scope_attributes: Record<string, string>;
  span_attributes: Record<string, string>;
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
  // External peer named by a CLIENT/PRODUCER span (peer.service, db.system/db.namespace, server.address)
  peer_name: string;
  peer_kind: PeerKind;
}

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
