import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairRequestHops, type HopSpan } from '../../lib/analysis/request-hops.js';

const s = (p: Partial<HopSpan> & { spanId: string; operation: string }): HopSpan => ({
  traceId: 't', parentSpanId: '', service: 'svc', destination: 'd', partition: '', offset: null, messageId: '',
  consumerGroup: '', startNs: 0n, endNs: 0n, links: [], ...p,
});

test('parent and link refs both make hops; a batch of N links makes N hops; settle spans are not deliveries', () => {
  const p1 = s({ spanId: 'p1', operation: 'send', endNs: 1_000_000n });
  const p2 = s({ traceId: 'u', spanId: 'p2', operation: 'create', endNs: 2_000_000n });
  const child = s({ spanId: 'c', parentSpanId: 'p1', operation: 'process', consumerGroup: 'g1', startNs: 11_000_000n });
  const batch = s({ traceId: 'v', spanId: 'b', operation: 'receive', consumerGroup: 'g2', startNs: 5_000_000n, links: [{ traceId: 't', spanId: 'p1' }, { traceId: 'u', spanId: 'p2' }] });
  const settle = s({ spanId: 'x', parentSpanId: 'p1', operation: 'settle' });
  assert.deepEqual(
    pairRequestHops([p1, p2, child, batch, settle]).map((h) => [h.publish?.spanId, h.deliver.spanId, h.consumerGroup, h.queueMs, h.message]),
    [
      ['p1', 'c', 'g1', 10, 'span:t:p1'],
      ['p1', 'b', 'g2', 4, 'span:t:p1'],
      ['p2', 'b', 'g2', 3, 'span:u:p2'],
    ],
  );
});

test('a delivery whose producer is not in the request is identified by message id, else offset, else itself', () => {
  const hops = pairRequestHops([
    s({ spanId: 'a', parentSpanId: 'gone', operation: 'process', messageId: 'm-1' }),
    s({ spanId: 'b', operation: 'process', partition: '3', offset: '17' }),
    s({ spanId: 'c', operation: 'process' }),
  ]);
  assert.deepEqual(hops.map((h) => [h.message, h.publish, h.queueMs]), [
    ['id:d:m-1', null, null],
    ['offset:d:3:17', null, null],
    ['delivery:t:c', null, null],
  ]);
});
