import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adjustClockSkew, childCorrectionNs, type SkewSpan } from '../../lib/analysis/skew.js';

const ms = (n: number) => BigInt(Math.round(n * 1e6));
function s(p: Partial<SkewSpan> & { spanId: string; host: string; start: number; end: number }): SkewSpan {
  return {
    traceId: p.traceId ?? 't1',
    spanId: p.spanId,
    parentSpanId: p.parentSpanId ?? '',
    host: p.host,
    kind: p.kind ?? 'INTERNAL',
    operation: p.operation ?? '',
    startNs: ms(p.start),
    endNs: ms(p.end),
  };
}

test('childCorrectionNs centres a child that sticks out and leaves a fitting one alone', () => {
  assert.equal(childCorrectionNs({ startNs: ms(0), endNs: ms(100) }, { startNs: ms(10), endNs: ms(90) }), 0n);
  // child 40 ms long, parent 100 ms → centred child starts at 30
  assert.equal(childCorrectionNs({ startNs: ms(0), endNs: ms(100) }, { startNs: ms(-50), endNs: ms(-10) }), ms(80));
  assert.equal(childCorrectionNs({ startNs: ms(0), endNs: ms(100) }, { startNs: ms(90), endNs: ms(130) }), ms(-60));
  // longer child: only moved so it does not start before the parent
  assert.equal(childCorrectionNs({ startNs: ms(0), endNs: ms(10) }, { startNs: ms(-5), endNs: ms(20) }), ms(5));
  assert.equal(childCorrectionNs({ startNs: ms(0), endNs: ms(10) }, { startNs: ms(2), endNs: ms(20) }), 0n);
});

test('a sync child on a skewed host moves its whole host; the reference host stays', () => {
  const spans = [
    s({ spanId: 'a', host: 'h1', kind: 'SERVER', start: 0, end: 100 }),
    s({ spanId: 'b', parentSpanId: 'a', host: 'h1', kind: 'CLIENT', start: 10, end: 90 }),
    // h2 runs 500 ms behind: its server span shows up before the client call
    s({ spanId: 'c', parentSpanId: 'b', host: 'h2', kind: 'SERVER', start: -480, end: -420 }),
    s({ spanId: 'd', parentSpanId: 'c', host: 'h2', kind: 'INTERNAL', start: -470, end: -430 }),
  ];
  const r = adjustClockSkew(spans);
  // client 80 ms, server 60 ms → server centred at 20..80 → offset 20 − (−480) = 500 ms
  assert.deepEqual(
    r.hosts.map((h) => [h.host, h.offsetMs, h.basis.childSpanId]),
    [['h2', 500, 'c']],
  );
  assert.equal(r.spanOffsetNs.get('t1:c'), ms(500));
  assert.equal(r.spanOffsetNs.get('t1:d'), ms(500));
  assert.equal(r.spanOffsetNs.has('t1:a'), false);
  assert.equal(r.spanOffsetNs.has('t1:b'), false);
});

test('an async consumer that outlives its producer parent is never moved', () => {
  const spans = [
    s({ spanId: 'p', host: 'h1', kind: 'PRODUCER', operation: 'send', start: 0, end: 2 }),
    s({ spanId: 'c', parentSpanId: 'p', host: 'h3', kind: 'CONSUMER', operation: 'process', start: 50, end: 400 }),
    s({ spanId: 'c2', parentSpanId: 'c', host: 'h3', kind: 'INTERNAL', start: 60, end: 390 }),
  ];
  const r = adjustClockSkew(spans);
  assert.deepEqual(r.hosts, []);
  assert.equal(r.spanOffsetNs.size, 0);
});

test('a consumer on a skewed host is not moved by its async edge but by a later sync call edge of the same host', () => {
  const spans = [
    s({ spanId: 'root', host: 'h1', kind: 'SERVER', start: 0, end: 100 }),
    s({ spanId: 'call', parentSpanId: 'root', host: 'h1', kind: 'CLIENT', start: 10, end: 30 }),
    s({ spanId: 'srv', parentSpanId: 'call', host: 'h2', kind: 'SERVER', start: 1010, end: 1020 }),
    s({ spanId: 'pub', parentSpanId: 'root', host: 'h1', kind: 'PRODUCER', operation: 'send', start: 40, end: 41 }),
    s({ spanId: 'cons', parentSpanId: 'pub', host: 'h4', kind: 'CONSUMER', operation: 'process', start: 30, end: 60 }),
  ];
  const r = adjustClockSkew(spans);
  assert.deepEqual(r.hosts.map((h) => [h.host, h.offsetMs]), [['h2', -995]]);
  assert.equal(r.spanOffsetNs.get('t1:srv'), ms(-995));
  assert.equal(r.spanOffsetNs.has('t1:cons'), false, 'consumer that starts before its publish end is left alone');
});

test('children of children use the parent host\'s corrected clock', () => {
  const spans = [
    s({ spanId: 'a', host: 'h1', kind: 'CLIENT', start: 0, end: 100 }),
    s({ spanId: 'b', parentSpanId: 'a', host: 'h2', kind: 'SERVER', start: 200, end: 280 }), // +190 → 10..90
    s({ spanId: 'c', parentSpanId: 'b', host: 'h2', kind: 'CLIENT', start: 210, end: 270 }),
    s({ spanId: 'd', parentSpanId: 'c', host: 'h3', kind: 'SERVER', start: 0, end: 20 }), // parent now 20..80 → centred 40..60
  ];
  const r = adjustClockSkew(spans);
  assert.deepEqual(r.hosts.map((h) => [h.host, h.offsetMs]), [['h2', -190], ['h3', 40]]);
});

test('roots on several hosts are their own reference; spans across traces keep their keys', () => {
  const spans = [
    s({ traceId: 't1', spanId: 'a', host: 'h1', start: 0, end: 10 }),
    s({ traceId: 't2', spanId: 'a', host: 'h2', start: -1000, end: 5 }),
  ];
  const r = adjustClockSkew(spans);
  assert.equal(r.hosts.length, 0);
});
