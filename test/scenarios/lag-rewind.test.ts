// A real offset reset (issue 8): a consumer group that re-reads offsets it had already processed and
// moved past is REWIND — on /api/lag and on the flow map — and its replayed messages are duplicates
// "from a rewind", not plain duplicates after success; a message delivered twice in a row, or one
// record delivered again after the group moved on (a lost acknowledgement), is a plain duplicate.
// Through the real collector.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging, type Span } from '../support/otlp.js';

let es: TestEventscope;
let now: Date;
const range = () => `from=${now.getTime() - 5 * 60_000}&to=${now.getTime()}`;

before(async () => {
  es = await startTestEventscope();
  const nowMs = Math.floor(Date.now() / 1000) * 1000;
  now = new Date(nowMs);
  const t = clock(nowMs - 60_000);
  const spans: Span[] = [];
  const consume = (group: string, p: Span, offset: number, start: number) =>
    t.span({
      service: `${group}-svc`,
      name: 'rw-ledger process',
      kind: 'CONSUMER',
      parent: p,
      start,
      attributes: messaging({ destination: 'rw-ledger', operation: 'process', group, partition: 0, offset }),
    });
  const published: Span[] = [];
  for (let o = 0; o < 30; o++) {
    const p = t.span({
      service: 'ledger',
      name: 'rw-ledger send',
      kind: 'PRODUCER',
      start: o * 1000,
      attributes: messaging({ destination: 'rw-ledger', operation: 'send', partition: 0, offset: o }),
    });
    published.push(p);
    spans.push(p, consume('steady', p, o, o * 1000 + 50), consume('replayer', p, o, o * 1000 + 100));
  }
  // the replayer's position is reset to offset 10 after it processed everything: it re-reads 10..29
  for (let o = 10; o < 30; o++) spans.push(consume('replayer', published[o]!, o, 32_000 + (o - 10) * 50));
  // a plain duplicate: offset 3 delivered again right away to another group
  spans.push(consume('twice', published[3]!, 3, 3_200), consume('twice', published[3]!, 3, 3_300));
  // a lost acknowledgement: 'lossy' consumes everything once, and offset 7 once more 25 s later,
  // after it had moved on — one record again, not a reset of its position
  for (let o = 0; o < 30; o++) spans.push(consume('lossy', published[o]!, o, o * 1000 + 150));
  spans.push(consume('lossy', published[7]!, 7, 32_500));
  await es.sendSpans(spans);
});
after(async () => {
  await es?.close();
});

describe('a consumer group whose offsets were reset', () => {
  it('reads REWIND on /api/lag, with the offsets it re-read; the steady group stays OK', async () => {
    const r = await es.api(`/api/lag?${range()}&destination=rw-ledger`, now);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const by = new Map<string, any>(r.body.groups.map((g: any) => [g.consumerGroup, g]));
    assert.equal(by.get('replayer').status, 'REWIND');
    assert.match(by.get('replayer').reason, /^(partition 0: )?re-read 20 messages it had already processed \(offsets 10–29\), the latest at .*: its position was reset$/);
    assert.equal(by.get('steady').status, 'OK');
    assert.notEqual(by.get('twice').status, 'REWIND', 'a duplicate delivered right away is not a rewind');
    assert.notEqual(by.get('lossy').status, 'REWIND', 'one record delivered again after moving on is not a rewind');
  });

  it('marks the replayed deliveries as duplicates from a rewind, and a back-to-back duplicate as plain', async () => {
    const r = await es.api(`/api/anomalies?type=duplicate&${range()}&limit=100`, now);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const occ = r.body.duplicates.occurrences.filter((o: any) => o.destination === 'rw-ledger');
    const replayed = occ.filter((o: any) => o.consumerGroup === 'replayer');
    assert.equal(replayed.length, 20);
    assert.deepEqual([...new Set(replayed.map((o: any) => `${o.class}/${o.fromRewind}`))], ['duplicate_after_success/true']);
    assert.deepEqual(replayed.map((o: any) => Number(o.offset)).sort((a: number, b: number) => a - b), Array.from({ length: 20 }, (_, i) => i + 10));
    const plain = occ.filter((o: any) => o.consumerGroup === 'twice');
    assert.deepEqual(plain.map((o: any) => [o.offset, o.class, o.fromRewind]), [['3', 'duplicate_after_success', false]]);
    const lost = occ.filter((o: any) => o.consumerGroup === 'lossy');
    assert.deepEqual(lost.map((o: any) => [o.offset, o.class, o.fromRewind]), [['7', 'duplicate_after_success', false]]);
  });

  it('shows REWIND on the flow map edge of the group', async () => {
    const r = await es.api(`/api/topology?${range()}`, now);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const edge = r.body.edges.find((e: any) => e.kind === 'deliver' && e.group === 'replayer');
    assert.ok(edge, 'deliver edge of the replayer');
    assert.equal(edge.lag?.status, 'REWIND');
  });
});
