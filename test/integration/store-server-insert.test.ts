// Server mode's write path against a stand-in HTTP endpoint (no ClickHouse server needed): the probes
// decide Native when the server takes it, and the batch's resources then its spans go as
// `INSERT … FORMAT Native` request bodies through @clickhouse/client's exec, byte for byte what the
// generated encoders write; a server that refuses Native gets RowBinary, one that refuses both
// JSONEachRow.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { createSpanWriter } from '../../lib/store/writer.js';
import { RowBinaryWriter, tableEncoding } from '../../lib/store/rowbinary.js';
import { RESOURCE_COLUMNS, SPAN_COLUMNS, SPAN_RESOURCE_FIELDS, type SpanRow } from '../../lib/store/rows.js';
import { decodeJsonTraces } from '../../collector/otlp/json.js';
import { clock, request } from '../support/otlp.js';

interface Seen {
  query: string;
  body: Buffer;
}

const TYPES: Record<string, string> = {
  timestamp: 'DateTime64(9)', duration_ns: 'UInt64', flags: 'UInt32',
  dropped_attributes_count: 'UInt32', dropped_events_count: 'UInt32', dropped_links_count: 'UInt32', msg_redelivered: 'UInt8', msg_housekeeping: 'UInt8', env: 'LowCardinality(String)', namespace: 'LowCardinality(String)', resource_key: 'UInt64', msg_offset: 'Nullable(Int64)', day: 'Date',
  span_attributes: 'Map(LowCardinality(String), String)', attribute_types: 'Map(LowCardinality(String), LowCardinality(String))',
  resource_attributes: 'Map(LowCardinality(String), String)', scope_attributes: 'Map(LowCardinality(String), String)',
  'events.timestamp': 'Array(DateTime64(9))', 'events.name': 'Array(LowCardinality(String))', 'events.attributes': 'Array(Map(LowCardinality(String), String))',
  'links.trace_id': 'Array(String)', 'links.span_id': 'Array(String)', 'links.trace_state': 'Array(String)', 'links.attributes': 'Array(Map(LowCardinality(String), String))',
};
const columnsOf = (names: readonly string[]) => names.map((name) => ({ name, type: TYPES[name] ?? 'String', default_kind: '' }));

const servers: http.Server[] = [];
after(() => servers.forEach((s) => s.close()));

async function standIn(refuse: string[]): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const query = new URL(req.url!, 'http://x').searchParams.get('query') ?? '';
      seen.push({ query, body: Buffer.concat(chunks) });
      const refused = refuse.find((f) => query.endsWith(`FORMAT ${f}`));
      if (refused) {
        res.writeHead(500, { 'X-ClickHouse-Exception-Code': '73' });
        res.end(`Code: 73. DB::Exception: Unknown format ${refused}. (UNKNOWN_FORMAT)`);
        return;
      }
      res.writeHead(200, { 'X-ClickHouse-Summary': '{}' });
      res.end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function rows(): SpanRow[] {
  const c = clock();
  return decodeJsonTraces(JSON.stringify(request([c.span({ service: 'srv', name: 'op', attributes: { n: 5 } }), c.span({ service: 'srv', name: 'op2' })]))).rows;
}

for (const [format, refuse] of [
  ['Native', []],
  ['RowBinary', ['Native']],
] as const) {
  test(`server mode: ${format} bodies through exec, resources before spans${refuse.length ? ` (the server refuses ${refuse.join(', ')})` : ''}`, async () => {
    const { url, seen } = await standIn([...refuse]);
    const client = createClient({ url, log: { level: ClickHouseLogLevel.OFF } });
    const writer = await createSpanWriter({ database: 'es', client, columns: async (t) => columnsOf(t === 'spans' ? SPAN_COLUMNS : RESOURCE_COLUMNS) });
    assert.equal(writer.format, format);
    const probes = seen.length;
    assert.deepEqual(
      seen.map((s) => s.query),
      [...refuse, format].map((f) => `INSERT INTO FUNCTION null('x UInt64') FORMAT ${f}`),
    );
    const batch = rows();
    await writer.commit(writer.prepare(batch));
    await writer.commit(writer.prepare(batch)); // the resource is written once per day
    const inserts = seen.slice(probes).map((s) => s.query.replace(/ \(.*\) /, ' (…) '));
    assert.deepEqual(inserts, [`INSERT INTO es.resources (…) FORMAT ${format}`, `INSERT INTO es.spans (…) FORMAT ${format}`, `INSERT INTO es.spans (…) FORMAT ${format}`]);
    const spans = tableEncoding<SpanRow>('spans', SPAN_COLUMNS, columnsOf(SPAN_COLUMNS), SPAN_RESOURCE_FIELDS);
    const w = new RowBinaryWriter();
    if (format === 'Native') spans.native(batch, w);
    else spans.rowBinary(batch, w);
    assert.deepEqual(seen[probes + 1]!.body, Buffer.from(w.bytes()), 'the body is exactly the encoded rows');
    await client.close();
  });
}

test('server mode: a server refusing both binary probes gets JSONEachRow', async () => {
  const { url, seen } = await standIn(['Native', 'RowBinary']);
  const client = createClient({ url, log: { level: ClickHouseLogLevel.OFF } });
  const writer = await createSpanWriter({ database: 'es', client, columns: async (t) => columnsOf(t === 'spans' ? SPAN_COLUMNS : RESOURCE_COLUMNS) });
  assert.equal(writer.format, 'JSONEachRow');
  await writer.commit(writer.prepare(rows()));
  const spans = seen.at(-1)!;
  assert.equal(spans.query, 'INSERT INTO es.spans FORMAT JSONEachRow');
  const lines = spans.body.toString().trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.match(lines[0].timestamp, /^\d+\.\d{9}$/);
  assert.equal(lines[0].span_attributes.n, '5');
  assert.equal(typeof lines[0].resource_key, 'string');
  await client.close();
});
