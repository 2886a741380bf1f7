// Shared by the instrumentation-*.test.ts files: what every profile's proof asserts through the API
// (flow map, request timeline, redelivery after failure, errors, lag per queue, housekeeping kept out
// of the request list), and fixtures written as spans sent through the real OTLP/JSON path.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import type { TestEventscope } from '../support/harness.js';

export function tcpReachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

interface Node_ { id: string; kind: string; label: string; system?: string }
interface Edge { source: string; target: string; kind: string; count: number; errors: number; group?: string }

/** producer → destination → consumer (group) on GET /api/topology; returns the edges. */
export async function assertFlow(
  es: TestEventscope,
  f: { producer: string; destination: string; system: string; consumer: string; group: string; published: number },
): Promise<{ publish: Edge; deliver: Edge }> {
  const res = await es.api('/api/topology?from=now-1h');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const { nodes, edges } = res.body as { nodes: Node_[]; edges: Edge[] };
  const dest = nodes.find((n) => n.label === f.destination && n.kind !== 'service');
  assert.ok(dest, `a node named ${f.destination}: ${JSON.stringify(nodes.map((n) => n.label))}`);
  assert.equal(dest.system, f.system);
  const svc = (label: string) => nodes.find((n) => n.label === label && n.kind === 'service')?.id;
  const publish = edges.find((e) => e.kind === 'publish' && e.source === svc(f.producer) && e.target === dest.id);
  assert.ok(publish, `${f.producer} → ${f.destination}`);
  assert.equal(publish.count, f.published);
  const deliver = edges.find((e) => e.kind === 'deliver' && e.source === dest.id && e.target === svc(f.consumer));
  assert.ok(deliver, `${f.destination} → ${f.consumer}`);
  assert.equal(deliver.group, f.group);
  return { publish, deliver };
}

/** The failed attempt and its retry: one ERROR span, two hops, classified as a redelivery after failure. */
export async function assertRetry(
  es: TestEventscope,
  f: { traceId: string; producer: string; consumer: string; group: string; destination: string; consumerKind?: string },
): Promise<void> {
  const tl = await es.api(`/api/requests/${f.traceId}`);
  assert.equal(tl.status, 200, JSON.stringify(tl.body));
  const body = tl.body as {
    services: string[];
    spans: { service: string; kind: string; status: { code: string } }[];
    hops: { consumerGroup: string; destination: string; deliver: { service: string } }[];
  };
  assert.ok(body.services.includes(f.producer) && body.services.includes(f.consumer), `timeline joins producer and consumer: ${body.services}`);
  const consumerSpans = body.spans.filter((s) => s.service === f.consumer && s.kind === (f.consumerKind ?? 'CONSUMER'));
  assert.equal(consumerSpans.length, 2, 'the failed attempt and the retry');
  assert.deepEqual(consumerSpans.map((s) => s.status.code).filter((c) => c === 'ERROR').length, 1, 'the failed attempt is an error');
  assert.equal(body.hops.filter((h) => h.consumerGroup === f.group && h.destination === f.destination).length, 2);

  const dup = await es.api(`/api/anomalies?type=duplicate&from=now-1h&group=${encodeURIComponent(f.group)}`);
  assert.equal(dup.status, 200, JSON.stringify(dup.body));
  const d = dup.body.duplicates as { byClass: Record<string, number>; occurrences: { class: string; destination: string }[] };
  const mine = d.occurrences.filter((o) => o.destination === f.destination);
  assert.equal(mine.length, 1, JSON.stringify(d.occurrences));
  assert.equal(mine[0]!.class, 'redelivery_after_failure');
  assert.equal(d.byClass.duplicate_after_success ?? 0, 0, 'a retry is not a duplicate after success');
}

/** Lag per queue: each destination its own row, everything consumed. */
export async function assertLag(es: TestEventscope, f: { destination: string; group: string; published: number }): Promise<void> {
  const res = await es.api(`/api/lag?from=now-1h&destination=${encodeURIComponent(f.destination)}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const groups = res.body.groups as { destination: string; consumerGroup: string; current: { backlog: number }; series: { published: number }[] }[];
  assert.deepEqual(groups.map((g) => `${g.destination}/${g.consumerGroup}`), [`${f.destination}/${f.group}`]);
  assert.equal(groups[0]!.current.backlog, 0);
  assert.equal(groups[0]!.series.reduce((n, p) => n + p.published, 0), f.published);
}

/** Housekeeping spans are stored but are no request of the list, and no node of the map. */
export async function assertHousekeepingHidden(es: TestEventscope, f: { names: RegExp; atLeast: number }): Promise<void> {
  const [stored] = await es.store.query<{ n: string }>(`SELECT count() AS n FROM ${es.store.database}.spans WHERE msg_housekeeping = 1`, { name: 'test:housekeeping' });
  assert.ok(Number(stored!.n) >= f.atLeast, `housekeeping spans were sent and stored (${stored!.n})`);
  const list = await es.api('/api/requests?from=now-1h&limit=500');
  assert.equal(list.status, 200, JSON.stringify(list.body));
  const rows = list.body.requests as { rootName: string }[];
  assert.ok(rows.length > 0);
  const leaked = rows.filter((r) => f.names.test(r.rootName));
  assert.deepEqual(leaked.map((r) => r.rootName), [], 'no housekeeping span is a request');
  const topo = await es.api('/api/topology?from=now-1h');
  const labels = (topo.body.nodes as Node_[]).map((n) => n.label);
  assert.ok(!labels.some((l) => f.names.test(l)), `no housekeeping node: ${labels}`);
}

// ---- fixtures: spans written as { name, kind, parent?, links?, offsetMs, durationMs, status?, attributes, events? }

export interface FixtureSpan {
  id: string;
  trace: string;
  parent?: string;
  links?: { trace: string; id: string }[];
  name: string;
  kind: 'PRODUCER' | 'CONSUMER' | 'INTERNAL' | 'CLIENT' | 'SERVER';
  offsetMs: number;
  durationMs: number;
  status?: { code: 'ERROR' | 'OK'; message?: string };
  attributes: Record<string, string | number | boolean>;
  events?: { name: string; attributes?: Record<string, string | number | boolean> }[];
  /** the span's instrumentation scope when it is not the fixture's (an app's own tracer) */
  scope?: string;
}
export interface Fixture {
  source: string;
  scope: string;
  services: Record<string, FixtureSpan[]>;
}

export function readFixture(url: URL): Fixture {
  return JSON.parse(fs.readFileSync(url, 'utf8')) as Fixture;
}

const KINDS = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 };
const anyValue = (v: string | number | boolean) =>
  typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
const kv = (a: Record<string, string | number | boolean> = {}) => Object.entries(a).map(([key, v]) => ({ key, value: anyValue(v) }));

/**
 * One OTLP/JSON export request of a fixture, its times shifted to `baseMs`, trace ids made unique
 * with `salt` (fixtures name ids shortly: t1, s1 → padded hex).
 */
export function fixtureRequest(fx: Fixture, baseMs: number, salt: string): unknown {
  const hex = (s: string, len: number) => Buffer.from(`${salt}:${s}`).toString('hex').padEnd(len, '0').slice(-len).replace(/^0+$/, '1'.repeat(len));
  const ns = (ms: number) => `${BigInt(Math.round((baseMs + ms) * 1000)) * 1000n}`;
  return {
    resourceSpans: Object.entries(fx.services).map(([service, spans]) => ({
      resource: { attributes: kv({ 'service.name': service }) },
      scopeSpans: [...new Set(spans.map((s) => s.scope ?? fx.scope))].map((scope) => ({
          scope: { name: scope },
          spans: spans.filter((s) => (s.scope ?? fx.scope) === scope).map((s) => ({
            traceId: hex(s.trace, 32),
            spanId: hex(s.id, 16),
            parentSpanId: s.parent ? hex(s.parent, 16) : '',
            name: s.name,
            kind: KINDS[s.kind],
            startTimeUnixNano: ns(s.offsetMs),
            endTimeUnixNano: ns(s.offsetMs + s.durationMs),
            attributes: kv(s.attributes),
            events: (s.events ?? []).map((e) => ({ name: e.name, timeUnixNano: ns(s.offsetMs + s.durationMs / 2), attributes: kv(e.attributes) })),
            links: (s.links ?? []).map((l) => ({ traceId: hex(l.trace, 32), spanId: hex(l.id, 16) })),
            status: s.status ? { code: s.status.code === 'ERROR' ? 2 : 1, message: s.status.message ?? '' } : {},
          })),
        })),
    })),
  };
}

/** The hex id a fixture id becomes under `salt` (to look a trace up after sending). */
export function fixtureId(salt: string, s: string, len = 32): string {
  return Buffer.from(`${salt}:${s}`).toString('hex').padEnd(len, '0').slice(-len);
}
