// The same services in two environments, through the real collector: shop → orders → billing runs
// in prod (deployment.environment.name, service.namespace) and in staging (the older
// deployment.environment, k8s.namespace.name) with the same service, destination and group
// names. prod: 4 messages, all delivered once. staging: 2 messages, the first delivered twice (a
// duplicate after success), the second never. env= / namespace= must keep them apart exactly on the
// flow map, lag, anomalies, requests, throughput and pathways.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging, type Span } from '../support/otlp.js';

let es: TestEventscope;
let range: string;
const PROD = { 'deployment.environment.name': 'prod', 'service.namespace': 'shop-ns' };
const STAGING = { 'deployment.environment': 'staging', 'k8s.namespace.name': 'stg' };
const traces: Record<'prod' | 'staging', string[]> = { prod: [], staging: [] };

function scenario(): Span[] {
  const t = clock(Date.now() - 120_000);
  const spans: Span[] = [];
  const run = (env: 'prod' | 'staging', resource: Record<string, string>, n: number) => {
    for (let i = 0; i < n; i++) {
      const at = i * 1_000 + (env === 'prod' ? 0 : 500);
      const pub = t.span({ service: 'shop', name: 'orders send', kind: 'PRODUCER', start: at, resource, attributes: messaging({ destination: 'orders', operation: 'send' }) });
      traces[env].push(pub.traceId);
      spans.push(pub);
      const deliver = (start: number) =>
        spans.push(t.span({ service: 'billing', name: 'orders process', kind: 'CONSUMER', parent: pub, start, resource, attributes: messaging({ destination: 'orders', operation: 'process', group: 'billing' }) }));
      if (env === 'prod') deliver(at + 10);
      else if (i === 0) {
        deliver(at + 10);
        deliver(at + 200); // again after success
      }
    }
  };
  run('prod', PROD, 4);
  run('staging', STAGING, 2);
  return spans;
}

before(async () => {
  es = await startTestEventscope();
  range = `from=${Date.now() - 600_000}&to=${Date.now() + 60_000}`;
  await es.sendSpans(scenario());
});
after(async () => {
  await es?.close();
});

const get = async (path: string) => {
  const res = await es.api(path);
  assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
  return res.body;
};
const edge = (topo: any, source: string, target: string) => topo.edges.find((e: any) => e.source.endsWith(source) && e.target.endsWith(target));

describe('env= and namespace= keep the same services in two environments apart', () => {
  it('lists the environments and namespaces for the picker, with their services', async () => {
    const r = await get(`/api/environments?${range}`);
    assert.deepEqual(r.environments, [
      { name: 'prod', services: ['billing', 'shop'] },
      { name: 'staging', services: ['billing', 'shop'] },
    ]);
    assert.deepEqual(r.namespaces.map((n: any) => n.name), ['shop-ns', 'stg']);
  });

  it('flow map: the publish and deliver edges count only the environment’s messages', async () => {
    const all = await get(`/api/topology?${range}`);
    const prod = await get(`/api/topology?${range}&env=prod`);
    const staging = await get(`/api/topology?${range}&env=staging`);
    const counts = (t: any) => [edge(t, 'shop', 'orders')?.count, edge(t, 'orders', 'billing')?.count];
    assert.deepEqual(counts(all), [6, 6]);
    assert.deepEqual(counts(prod), [4, 4]);
    assert.deepEqual(counts(staging), [2, 2]);
    const ns = await get(`/api/topology?${range}&namespace=stg`);
    assert.deepEqual(counts(ns), [2, 2]);
    const none = await get(`/api/topology?${range}&env=qa`);
    assert.deepEqual(none.edges, []);
  });

  it('lag: staging’s backlog is its own, prod is caught up', async () => {
    const lagOf = async (q: string) => (await get(`/api/lag?${range}&step=1m${q}`)).groups.map((g: any) => [g.consumerGroup, g.current.backlog]);
    assert.deepEqual(await lagOf('&env=prod'), [['billing', 0]]);
    assert.deepEqual(await lagOf('&env=staging'), [['billing', 1]]);
    assert.deepEqual(await lagOf('&namespace=shop-ns'), [['billing', 0]]);
    assert.deepEqual(await lagOf(''), [['billing', 1]]);
  });

  it('anomalies: the duplicate belongs to staging only', async () => {
    const dup = async (q: string) => (await get(`/api/anomalies?${range}&type=duplicate${q}`)).duplicates.total;
    assert.equal(await dup('&env=staging'), 1);
    assert.equal(await dup('&env=prod'), 0);
    assert.equal(await dup(''), 1);
  });

  it('requests: only the environment’s traces', async () => {
    const ids = async (q: string) => (await get(`/api/requests?${range}${q}`)).requests.map((r: any) => r.traceId).sort();
    assert.deepEqual(await ids('&env=prod'), [...traces.prod].sort());
    assert.deepEqual(await ids('&env=staging&service=shop'), [...traces.staging].sort());
    assert.deepEqual(await ids('&namespace=stg'), [...traces.staging].sort());
  });

  it('throughput and pathways: per environment', async () => {
    const pub = async (q: string) => (await get(`/api/throughput?${range}${q}`)).destinations.map((d: any) => [d.destination, d.published, d.groups[0]?.delivered]);
    assert.deepEqual(await pub('&env=prod'), [['orders', 4, 4]]);
    assert.deepEqual(await pub('&env=staging'), [['orders', 2, 2]]);
    const paths = async (q: string) => (await get(`/api/pathways?${range}${q}`)).pathways.map((p: any) => [p.path, p.count]);
    assert.deepEqual(await paths('&env=prod'), [['shop → orders → billing', 4]]);
    assert.deepEqual(await paths('&env=staging'), [['shop → orders → billing', 1]]);
  });

  it('refuses an environment name with control characters', async () => {
    const res = await es.api(`/api/topology?${range}&env=${encodeURIComponent('a\nb')}`);
    assert.equal(res.status, 400);
    assert.match(res.body.error, /^env: expected an environment name/);
  });
});
