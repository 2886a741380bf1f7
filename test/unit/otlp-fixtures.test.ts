// Real recorded traffic (test/fixtures/amqplib-rabbitmq, a copy of the team's shared/fixtures): every body decodes to exactly the span
// listed in spans.jsonl, and amqplib's legacy attributes normalize to the DESIGN §4 columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProtoTraces } from '../../collector/otlp/proto.js';
import { SPAN_KINDS, STATUS_CODES } from '../../collector/otlp/decode.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/amqplib-rabbitmq');

interface Recorded {
  file: string;
  service: string;
  scope: string;
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status: { code: number; message?: string };
  links: { traceId: string; spanId: string }[];
  attributes: Record<string, string>;
}

const recorded: Recorded[] = fs
  .readFileSync(path.join(dir, 'spans.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));

test('the fixture set is complete', () => {
  const bins = fs.readdirSync(dir).filter((f) => f.endsWith('.bin'));
  assert.equal(bins.length, 16);
  assert.deepEqual(recorded.map((r) => r.file).sort(), bins.sort());
});

test('every recorded amqplib body decodes to exactly its recorded span', () => {
  for (const rec of recorded) {
    const body = fs.readFileSync(path.join(dir, rec.file));
    const batch = decodeProtoTraces(body);
    assert.equal(batch.rejectedSpans, 0, rec.file);
    assert.equal(batch.bytes, body.length);
    assert.equal(batch.rows.length, 1, rec.file);
    const row = batch.rows[0]!;
    assert.equal(row.service_name, rec.service, rec.file);
    assert.equal(row.host, rec.service, `${rec.file}: no host.name/service.instance.id in this resource`);
    assert.equal(row.scope_name, rec.scope);
    assert.equal(row.scope_version, '0.70.0');
    assert.equal(row.span_name, rec.name);
    assert.equal(row.span_kind, SPAN_KINDS[rec.kind]);
    assert.equal(row.trace_id, rec.traceId);
    assert.equal(row.span_id, rec.spanId);
    assert.equal(row.parent_span_id, rec.parentSpanId);
    assert.equal(row.timestamp, rec.startTimeUnixNano);
    assert.equal(row.duration_ns, (BigInt(rec.endTimeUnixNano) - BigInt(rec.startTimeUnixNano)).toString());
    assert.equal(row.status_code, STATUS_CODES[rec.status.code]);
    assert.equal(row.status_message, rec.status.message ?? '');
    assert.deepEqual(row['links.trace_id'], rec.links.map((l) => l.traceId));
    assert.deepEqual(row['links.span_id'], rec.links.map((l) => l.spanId));
    assert.deepEqual(row.span_attributes, rec.attributes, rec.file);
    assert.deepEqual(row.attribute_types, { 'span.server.port': 'int' }, rec.file);
  }
});

test('amqplib spans normalize: exchange as destination, queue as consumer group, message id, routing key', () => {
  const rows = recorded.map((rec) => ({ rec, row: decodeProtoTraces(fs.readFileSync(path.join(dir, rec.file))).rows[0]! }));
  for (const { rec, row } of rows) {
    assert.equal(row.msg_system, 'rabbitmq');
    assert.equal(row.msg_destination, 'shop-fixture', 'messaging.destination is the exchange');
    assert.equal(row.msg_key, 'order.placed');
    assert.equal(row.msg_message_id, rec.attributes['messaging.message_id']);
    assert.equal(row.msg_message_type, 'shop-fixture', 'no cloudevents type: the destination');
    assert.equal(row.msg_partition, '');
    assert.equal(row.msg_offset, null);
    assert.equal(row.peer_name, '', 'messaging spans name no peer');
    if (rec.file.includes('producer')) {
      assert.equal(row.msg_operation, 'send');
      assert.equal(row.msg_consumer_group, '');
    } else {
      assert.equal(row.msg_operation, 'process');
      const queue = rec.file.includes('billing') ? 'billing-q-fixture' : 'email-q-fixture';
      assert.equal(row.msg_consumer_group, queue, `${rec.file}: the queue, from the span name`);
    }
  }
  // m-fixture-2 was nacked once and redelivered: two billing deliveries, the first an error
  const billing2 = rows.filter(({ row }) => row.msg_message_id === 'm-fixture-2' && row.msg_consumer_group === 'billing-q-fixture');
  assert.deepEqual(
    billing2.map(({ row }) => row.status_code),
    ['ERROR', 'UNSET'],
  );
});
