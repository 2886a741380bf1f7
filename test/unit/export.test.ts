// The exports on hand-made rows: Mermaid source that mermaid's own parser accepts whatever the
// names hold, an AsyncAPI 3 document that @asyncapi/parser validates, and validators that fail.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mermaidText, toAsyncApi, toMermaid, type ExportInput } from '../../lib/analysis/export.js';
import { buildPatterns, type PatternRows, type TypeEdgeRow } from '../../lib/analysis/patterns.js';
import { exportFileName } from '../../lib/api/export.js';
import { parseMermaid, validateAsyncApi } from '../support/export-validators.js';

const edge = (kind: 'publish' | 'deliver', messageType: string, destination: string, publisher: string, group = '', consumer = ''): TypeEdgeRow => ({
  kind, messageType, destination, system: 'kafka', publisher, consumerGroup: group, consumer, messages: 5,
});
const range = { from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T01:00:00.000Z' };

function input(rows: Partial<PatternRows>, calls: ExportInput['calls'] = []): ExportInput {
  const r: PatternRows = { types: [], chains: [], callbacks: [], correlations: [], ...rows };
  return { rows: r, patterns: buildPatterns(r), calls, range };
}

const shop = input(
  {
    types: [
      edge('publish', 'OrderPlaced', 'orders', 'order'), edge('deliver', 'OrderPlaced', 'orders', 'order', 'payment', 'payment'),
      edge('deliver', 'OrderPlaced', 'orders', 'order', 'inventory', 'inventory'),
      edge('publish', 'ChargeCard', 'payment-commands', 'orch'), edge('deliver', 'ChargeCard', 'payment-commands', 'orch', 'payment-commands', 'payment'),
      edge('publish', 'CardCharged', 'replies', 'payment'), edge('deliver', 'CardCharged', 'replies', 'payment', 'checkout', 'orch'),
      edge('publish', 'StartCheckout', 'checkout', 'order'), edge('deliver', 'StartCheckout', 'checkout', 'order', 'checkout', 'orch'),
      edge('publish', 'OrderPlaced', 'orders.dlq', 'payment'),
    ],
    chains: [
      { inType: 'StartCheckout', inPublisher: 'order', inGroup: 'checkout', handler: 'orch', outType: 'ChargeCard', outDestination: 'payment-commands', outConsumer: 'payment', messages: 5 },
      { inType: 'ChargeCard', inPublisher: 'orch', inGroup: 'payment-commands', handler: 'payment', outType: 'CardCharged', outDestination: 'replies', outConsumer: 'orch', messages: 5 },
    ],
  },
  [{ service: 'notification', target: 'order', peerName: '', peerKind: '', count: 3, errors: 0, p50Ms: 1, p95Ms: 2 }],
);

describe('Mermaid', () => {
  test('services as nodes, message types on the edges, the orchestrator in its flow subgraph; the parser accepts it', async () => {
    const text = toMermaid(shop);
    assert.equal((await parseMermaid(text)).diagramType, 'flowchart-v2');
    const lines = text.split('\n');
    assert.ok(lines.includes('flowchart LR'));
    const id = (name: string) => lines.find((l) => l.includes(`["${name}"]`))!.trim().split('[')[0]!;
    assert.ok(lines.includes(`  ${id('order')} -->|"OrderPlaced"| ${id('payment')}`), text);
    assert.ok(lines.includes(`  ${id('orch')} -->|"ChargeCard (command)"| ${id('payment')}`), text);
    assert.ok(lines.includes(`  ${id('notification')} -.->|"sync call"| ${id('order')}`), text);
    // a type nobody consumed ends at its destination
    assert.ok(lines.some((l) => /^ {2}d\d+\[\("orders\.dlq"\)\]$/.test(l)), text);
    const sub = lines.findIndex((l) => l.startsWith('  subgraph '));
    assert.match(lines[sub]!, /orchestrated by orch: StartCheckout → ChargeCard → CardCharged/);
    assert.equal(lines[sub + 1]!.trim(), `${id('orch')}["orch"]`);
    assert.equal(lines[sub + 2], '  end');
  });

  test('hostile names are escaped and still parse', async () => {
    const names = ['a"b', 'x|y', '<script>', 'end', 'a#b;c', 'graph TD', '💥 ünïcode', 'line\nbreak', '`tick`', 'subgraph'];
    const rows = names.flatMap((n, i) => [edge('publish', n, `d-${n}`, `svc ${n}`), edge('deliver', n, `d-${n}`, `svc ${n}`, `g${i}`, names[(i + 1) % names.length]!)]);
    const text = toMermaid(input({ types: rows }));
    await parseMermaid(text);
    assert.ok(!text.includes('<script>'));
    assert.equal(mermaidText('a"b|c#<>'), 'a#quot;b#124;c#35;#lt;#gt;');
  });

  test('the parser refuses broken source (the check can fail)', async () => {
    await assert.rejects(parseMermaid('flowchart LR\n  a -->|"x| b['), /Parse error/);
  });
});

describe('AsyncAPI 3', () => {
  test('one channel per destination, its message types, one operation per service and action; it validates', async () => {
    const doc = toAsyncApi(shop) as any;
    assert.deepEqual(await validateAsyncApi(doc), []);
    assert.equal(doc.asyncapi, '3.0.0');
    assert.deepEqual(Object.keys(doc.channels).sort(), ['checkout', 'orders', 'orders.dlq', 'payment-commands', 'replies']);
    assert.equal(doc.channels['payment-commands'].messages.ChargeCard['x-eventscope-kind'], 'command');
    assert.equal(doc.channels.orders.messages.OrderPlaced['x-eventscope-kind'], 'event');
    assert.deepEqual(doc.operations['payment.receive.orders.payment'], {
      action: 'receive',
      channel: { $ref: '#/channels/orders' },
      messages: [{ $ref: '#/channels/orders/messages/OrderPlaced' }],
      title: 'payment receives from orders',
      summary: 'observed consuming orders as consumer group payment',
      'x-eventscope-service': 'payment',
      'x-eventscope-consumer-group': 'payment',
    });
  });

  test('destination and type names that are no valid keys become unique keys, the address keeps the name', async () => {
    const rows = [edge('publish', 'a/b', 'topic/one', 'svc a'), edge('publish', 'a b', 'topic one', 'svc a'), edge('deliver', 'a/b', 'topic/one', 'svc a', 'g~1', 'svc/b')];
    const doc = toAsyncApi(input({ types: rows })) as any;
    assert.deepEqual(await validateAsyncApi(doc), []);
    assert.deepEqual(Object.keys(doc.channels), ['topic_one', 'topic_one_2']);
    assert.deepEqual(Object.values(doc.channels).map((c: any) => c.address).sort(), ['topic one', 'topic/one']);
  });

  test('the validator refuses a broken document (the check can fail)', async () => {
    const doc = toAsyncApi(shop) as any;
    doc.operations['order.send.orders'].action = 'publish'; // AsyncAPI 2 wording
    doc.operations['order.send.orders'].channel = { $ref: '#/channels/nowhere' };
    const errors = await validateAsyncApi(doc);
    assert.ok(errors.length > 0);
  });
});

test('export file names carry the range start in UTC', () => {
  assert.equal(exportFileName({ fromMs: Date.UTC(2026, 0, 2, 3, 4, 5), toMs: Date.UTC(2026, 0, 2, 4) }, 'mmd'), 'eventscope-flow-20260102-0304.mmd');
});
