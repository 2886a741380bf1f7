// The pure rules behind pathways and throughput: how a hop inherits its chain's origin
// (lib/hops/pathways.ts), how steps fold into pathways (lib/analysis/pathways.ts), how per-minute
// rows become zero-filled series (lib/analysis/throughput.ts), and the env= / namespace= parser.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assignPathways, MAX_DEPTH, type PathwayHop } from '../../lib/hops/pathways.js';
import { nsOf } from '../../lib/datetime64.js';
import { buildPathways, type PathwayRow } from '../../lib/analysis/pathways.js';
import { buildThroughput } from '../../lib/analysis/throughput.js';
import { parseEnvFilter } from '../../lib/api/env.js';
import { envWhere } from '../../lib/hops/env.js';

const at = (ms: number) => {
  const d = new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + Math.floor(ms));
  const frac = String(Math.round((ms % 1) * 1e6)).padStart(6, '0');
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}.${String(d.getUTCMilliseconds()).padStart(3, '0')}${frac}`;
};

function hop(p: { pService: string; pTrace: string; pAt: number; dest: string; dService: string; dTrace: string; dAt: number; dEnd: number; group?: string }): PathwayHop {
  return {
    matched: 1,
    class: 'first',
    p_service: p.pService,
    p_trace_id: p.pTrace,
    p_start: at(p.pAt),
    p_host: 'h1',
    destination: p.dest,
    consumer_group: p.group ?? p.dService,
    d_service: p.dService,
    d_trace_id: p.dTrace,
    d_span_id: 'x',
    d_start: at(p.dAt),
    d_end: at(p.dEnd),
    d_host: 'h1',
  };
}
const noClock = () => 0n;

describe('assignPathways', () => {
  it('a hop whose publish lies inside an upstream consumer span of the same service and trace inherits its origin', () => {
    const first = hop({ pService: 'shop', pTrace: 't', pAt: 0, dest: 'orders', dService: 'billing', dTrace: 't', dAt: 5, dEnd: 30 });
    const second = hop({ pService: 'billing', pTrace: 't', pAt: 6, dest: 'payments', dService: 'notifier', dTrace: 't', dAt: 50, dEnd: 100 });
    // given in the wrong order: assignment follows publish order
    assignPathways([second, first], [], noClock);
    assert.deepEqual([first.path, first.path_depth, first.e2e_ns], ['shop → orders → billing', 1, String(30_000_000)]);
    assert.deepEqual([second.path, second.path_depth, second.origin_ns, second.e2e_ns], [
      'shop → orders → billing → payments → notifier',
      2,
      first.origin_ns,
      String(100_000_000),
    ]);
    assert.equal(BigInt(first.origin_ns!), nsOf(at(0)));
  });

  it('another service, another trace or a publish outside the consumer span starts a new chain', () => {
    const up = hop({ pService: 'shop', pTrace: 't', pAt: 0, dest: 'orders', dService: 'billing', dTrace: 't', dAt: 5, dEnd: 30 });
    const cases = [
      hop({ pService: 'other', pTrace: 't', pAt: 6, dest: 'payments', dService: 'n', dTrace: 't', dAt: 50, dEnd: 60 }),
      hop({ pService: 'billing', pTrace: 'u', pAt: 6, dest: 'payments', dService: 'n', dTrace: 'u', dAt: 50, dEnd: 60 }),
      hop({ pService: 'billing', pTrace: 't', pAt: 31, dest: 'payments', dService: 'n', dTrace: 't', dAt: 50, dEnd: 60 }),
    ];
    assignPathways([up, ...cases], [], noClock);
    for (const c of cases) assert.deepEqual([c.path_depth, c.path, c.origin_ns], [1, `${c.p_service} → payments → n`, String(nsOf(c.p_start!))]);
  });

  it('takes the upstream from stored hops, names a group that differs from its service, and clears a hop without producer', () => {
    const stored = { ...hop({ pService: 'shop', pTrace: 't', pAt: 0, dest: 'orders', dService: 'billing', dTrace: 't', dAt: 5, dEnd: 30 }), origin_ns: '7', path: 'shop → orders → billing', path_depth: 1, origin_trace_id: 't' };
    const h = hop({ pService: 'billing', pTrace: 't', pAt: 10, dest: 'payments', dService: 'notifier', dTrace: 't', dAt: 40, dEnd: 41, group: 'alerts' });
    const orphan = { ...hop({ pService: '', pTrace: '', pAt: 0, dest: 'x', dService: 'y', dTrace: 'v', dAt: 1, dEnd: 2 }), matched: 0, p_start: null };
    const changed = assignPathways([h, orphan], [stored], noClock);
    assert.equal(h.path, 'shop → orders → billing → payments → notifier (alerts)');
    assert.equal(h.origin_ns, '7');
    assert.deepEqual([orphan.path_hash, orphan.path_depth, orphan.e2e_ns], ['0', 0, null]);
    assert.equal(changed.length, 2);
    assert.deepEqual(assignPathways([h], [stored], noClock), [], 'a second assignment changes nothing');
  });

  it('corrects the origin and the completion by the hosts’ clocks', () => {
    const h = { ...hop({ pService: 'a', pTrace: 't', pAt: 0, dest: 'd', dService: 'b', dTrace: 't', dAt: 5, dEnd: 10 }), p_host: 'fast', d_host: 'slow' };
    assignPathways([h], [], (host) => (host === 'fast' ? -2_000_000n : 1_000_000n));
    assert.equal(h.e2e_ns, String(13_000_000)); // 10 ms + 1 ms − (−2 ms)
  });

  it('a loop between services stops growing at MAX_DEPTH and starts again', () => {
    const hops: PathwayHop[] = [];
    for (let i = 0; i <= MAX_DEPTH; i++) {
      hops.push(hop({ pService: i === 0 ? 'a' : 'loop', pTrace: 't', pAt: i * 10 + 1, dest: 'q', dService: 'loop', dTrace: 't', dAt: i * 10 + 5, dEnd: i * 10 + 12 }));
    }
    assignPathways(hops, [], noClock);
    assert.equal(hops[MAX_DEPTH - 1]!.path_depth, MAX_DEPTH);
    assert.equal(hops[MAX_DEPTH]!.path_depth, 1);
  });
});

describe('buildPathways', () => {
  const row = (path: string, depth: number, n: number, p50: number): PathwayRow => ({
    step_path: path, depth, origin: path.split(' → ')[0]!, destination: path.split(' → ').at(-2)!, consumer_group: path.split(' → ').at(-1)!,
    d_service: path.split(' → ').at(-1)!, n, failed: 0, q: [p50, p50 * 2], max_ms: p50 * 3, example: 'e',
  });
  it('lists the paths no other extends, each with its prefixes as steps, busiest first', () => {
    const out = buildPathways(
      [row('s → o → b', 1, 10, 5), row('s → o → b → p → n', 2, 4, 50), row('s → o → c', 1, 7, 6), row('x → y → z', 1, 1, 1)],
      { limit: 10 },
    );
    assert.deepEqual(out.map((p) => [p.path, p.count, p.steps.map((s) => s.depth)]), [
      ['s → o → c', 7, [1]],
      ['s → o → b → p → n', 4, [1, 2]],
      ['x → y → z', 1, [1]],
    ]);
    assert.deepEqual([out[1]!.endToEndP50Ms, out[1]!.endToEndP95Ms], [50, 100]);
    assert.deepEqual(buildPathways([row('s → o → b → p → n', 2, 4, 50), row('s → o → b', 1, 4, 5)], { limit: 10, destination: 'p' }).length, 1);
    assert.deepEqual(buildPathways([row('s → o → b', 1, 4, 5)], { limit: 10, destination: 'p' }), []);
  });
});

describe('buildThroughput', () => {
  it('zero-fills every step, keeps the last partial step, sorts groups by deliveries', () => {
    const q = { fromMs: 0, toMs: 150_000, stepMs: 60_000 };
    const base = { destination: 'd', system: 'kafka', first_deliveries: 0, redeliveries: 0, duplicates: 0, errors: 0 };
    const r = buildThroughput(
      [
        { ...base, kind: 'publish', consumer_group: '', services: ['p'], i: 0, messages: 3 },
        { ...base, kind: 'publish', consumer_group: '', services: ['p'], i: 2, messages: 1 },
        { ...base, kind: 'deliver', consumer_group: 'g1', services: ['s1'], i: 1, messages: 2, first_deliveries: 2 },
        { ...base, kind: 'deliver', consumer_group: 'g2', services: ['s2'], i: 9, messages: 5, first_deliveries: 4, duplicates: 1 },
      ],
      q,
    );
    const [d] = r.destinations;
    assert.deepEqual(d!.series.map((p) => p.published), [3, 0, 1]);
    assert.deepEqual(d!.groups.map((g) => [g.consumerGroup, g.series.map((p) => p.delivered)]), [
      ['g2', [0, 0, 5]], // an index past the range (a minute row at its edge) counts into the last step
      ['g1', [0, 2, 0]],
    ]);
  });
});

describe('env= / namespace=', () => {
  const parse = (q: string) => parseEnvFilter(new URL(`http://x/?${q}`));
  it('takes exact values and refuses empty, repeated, control characters and overlong ones', () => {
    assert.deepEqual(parse('env=prod&namespace=shop'), { env: 'prod', namespace: 'shop' });
    assert.deepEqual(parse(''), {});
    assert.throws(() => parse('env='), /env: expected a non-empty/);
    assert.throws(() => parse('env=a&env=b'), /env: expected one value, got 2/);
    assert.throws(() => parse('namespace=a%0Ab'), /namespace: expected a namespace name of at most 256 printable characters/);
    assert.throws(() => parse(`env=${'x'.repeat(257)}`), /env: expected an environment name/);
  });
  it('becomes SQL with parameters only', () => {
    assert.equal(envWhere({ env: "o'brien" }), ' AND env = {env:String}');
    assert.equal(envWhere({}), '');
    assert.equal(envWhere({ namespace: 'n' }, 'd_env', 'd_namespace'), ' AND d_namespace = {namespace:String}');
  });
});
