// Business-key rows (issue 13, migration 013): which spans of a batch carry a configured business key
// (span attribute first, else the span's resource attribute), one row each, for the `business_keys`
// table the transaction lookup reads by (key, value). Pure; the span writer encodes and inserts them.
import type { SpanRow } from './rows.js';

export interface BusinessKeyRow {
  key: string;
  value: string;
  timestamp: string;
  trace_id: string;
  span_id: string;
  service_name: string;
  source: 'span' | 'resource';
}

export const BUSINESS_KEY_COLUMNS = ['key', 'value', 'timestamp', 'trace_id', 'span_id', 'service_name', 'source'] as const;

/** The conversation id is normalized at ingest (DESIGN §4: both generations of its name). */
const CONVERSATION_KEY = 'messaging.message.conversation_id';

/** Longest value indexed: a key's value is an id, not a document. */
export const MAX_BUSINESS_VALUE = 512;

export function businessKeyRows(rows: readonly SpanRow[], keys: readonly string[]): BusinessKeyRow[] {
  const out: BusinessKeyRow[] = [];
  if (keys.length === 0) return out;
  for (const r of rows) {
    for (const key of keys) {
      let value = r.span_attributes[key];
      let source: BusinessKeyRow['source'] = 'span';
      if (key === CONVERSATION_KEY && !value) value = r.msg_conversation_id;
      if (!value) {
        value = r.resource.resource_attributes[key];
        source = 'resource';
      }
      if (!value || value.length > MAX_BUSINESS_VALUE) continue;
      out.push({ key, value, timestamp: r.timestamp, trace_id: r.trace_id, span_id: r.span_id, service_name: r.service_name, source });
    }
  }
  return out;
}
