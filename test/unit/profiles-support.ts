// For the profiles-*.test.ts files: a fixture (test/fixtures/<library>/spans.json) decoded by the real
// OTLP/JSON decoder, which normalizes every span as ingest does; rows by fixture span id.
import { decodeJsonTraces } from '../../collector/otlp/json.js';
import type { DecodeOptions } from '../../collector/otlp/decode.js';
import type { SpanRow } from '../../lib/store/rows.js';
import { fixtureId, fixtureRequest, readFixture, type Fixture } from '../integration/instrumentation-support.js';

export function normalizedFixture(lib: string | Fixture, opts: DecodeOptions = {}): (id: string) => SpanRow {
  const fx = typeof lib === 'string' ? readFixture(new URL(`../fixtures/${lib}/spans.json`, import.meta.url)) : lib;
  const { rows, rejectedSpans } = decodeJsonTraces(JSON.stringify(fixtureRequest(fx, Date.now(), 'u')), opts);
  if (rejectedSpans) throw new Error(`${rejectedSpans} fixture spans rejected`);
  return (id: string) => {
    const row = rows.find((r) => r.span_id === fixtureId('u', id, 16));
    if (!row) throw new Error(`no span ${id} in the fixture`);
    return row;
  };
}

/** The normalized messaging columns of a row, for one deepEqual. */
export const columns = (r: SpanRow) => ({
  system: r.msg_system,
  operation: r.msg_operation,
  destination: r.msg_destination,
  group: r.msg_consumer_group,
  messageId: r.msg_message_id,
  messageType: r.msg_message_type,
  redelivered: r.msg_redelivered,
  housekeeping: r.msg_housekeeping,
  status: r.status_code,
});
