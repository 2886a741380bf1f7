// Hostile and broken input on the JSON API (issue 10): every route of lib/api/routes.ts is driven
// with random and hostile parameters (fast-check) over a store holding real spans, and must answer
// 200 or 400 (404 only for an unknown trace id), JSON, with a message on a 400 and no engine text.
// Seed and size: API_HOSTILE_SEED, API_HOSTILE_RUNS (runs per route); a failure prints the seed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { routeHandler, runHandler } from '../../lib/api/http.js';
import { handler as lagHandler } from '../../lib/api/lag.js';
import { registerStore } from '../../lib/runtime.js';
import { routes } from '../../lib/api/routes.js';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging, traceId, type Span } from '../support/otlp.js';

const SEED = process.env.API_HOSTILE_SEED ? Number(process.env.API_HOSTILE_SEED) : Date.now() % 2 ** 31;
const RUNS = Number(process.env.API_HOSTILE_RUNS ?? 80);

/** What an engine or runtime failure looks like when it leaks into a body. */
const ENGINE_TEXT = /DB::Exception|Code: \d|clickhouse|chdb|Syntax error|SYNTAX_ERROR|DECIMAL_OVERFLOW|Refusing to serialize|\bat .*\(.*:\d+:\d+\)|RangeError|TypeError|URIError/i;

let es: TestEventscope;

// real rows for the queries to touch: a published and twice-delivered message, an error, a call
const t = clock(Date.now() - 90_000);
const hxEnv = { 'deployment.environment.name': 'hx-prod', 'service.namespace': 'hx-shop-ns' };
const pub = t.span({
  service: 'hx-shop', name: 'hx-orders send', kind: 'PRODUCER', start: 0, durationMs: 2, resource: hxEnv,
  attributes: { ...messaging({ destination: 'hx-orders', operation: 'send', messageId: 'hx-m1', partition: 0, offset: 7, key: 'k1' }), 'order.id': 'o-1' },
});
const deliveries = [10, 40].map((start) =>
  t.span({ service: 'hx-billing', name: 'hx-orders process', kind: 'CONSUMER', parent: pub, start, durationMs: 3, resource: hxEnv, attributes: messaging({ destination: 'hx-orders', operation: 'process', group: 'hx-group', partition: 0, offset: 7 }) }),
);
const failed = t.span({ service: 'hx-billing', name: 'charge', kind: 'CLIENT', parent: deliveries[0], start: 11, durationMs: 1, status: { code: 'ERROR', message: "it's <b>broken</b>" } });
const server = t.span({ service: 'hx-payments', name: 'POST /charge', kind: 'SERVER', parent: failed, start: 11.2, durationMs: 0.5 });
const spans: Span[] = [pub, ...deliveries, failed, server];

let alertId = '00000000-0000-4000-8000-000000000000';
before(async () => {
  es = await startTestEventscope({ EVENTSCOPE_BUSINESS_KEYS: 'order.id' });
  await es.sendSpans(spans);
  const created = await es.api('/api/alerts', undefined, { method: 'POST', body: { name: 'hx', kind: 'backlog', threshold: 1, webhook: { url: 'http://127.0.0.1:9/hx' } } });
  alertId = created.body.id;
});
after(async () => {
  await es?.close();
});

// ── values ──
const HOSTILE = [
  '', ' ', '\t', '\u0000', 'a\u0000b', '%', '%zz', '&', '=', '?', '#', '+', '..', '/', '\\', '\\\\', "'", '"', '`',
  "'; DROP TABLE spans; --", '"; SELECT 1; --', '{fromMs:Int64}', '{x:String}', '${x}', '\\N', 'NULL', 'null', 'undefined',
  '.*', '(a+)+$', '[', '^$', '%s%n', '<script>alert(1)</script>', 'é', '💥', '\u202e', '\uffff', '\ud800',
  '-1', '-0', '0', '1e309', '-1e309', 'NaN', 'Infinity', '-Infinity', '0x10', '1e3', '2.5', '99999999999999999999',
  '9007199254740993', '18446744073709551616', '-9223372036854775809', '99999999999999999999s', '9999999999999999',
  '0000-01-01', '0000-01-01T00:00:00Z', '1900-01-01', '1969-12-31T23:59:59Z', '1970-01-01T00:00:00Z', '2100-01-01T00:00:00Z',
  '2106-02-07T06:28:16Z', '2262-04-12T00:00:00Z', '2300-01-01', '9999-12-31T23:59:59Z', '+275760-09-13T00:00:00Z',
  '2026-02-30', '2026-13-01', 'now', 'now-0s', 'now-31d', 'now-32d', 'now-99999999999999999999d', 'now+1h', 'now-1y',
  'true', 'false', 'TRUE', 'duplicate', 'ordering', 'destination', 'messageType', 'k=v', '=v', 'order.id=o-1',
];
const ENGINE_FREE = (s: string) => !ENGINE_TEXT.test(s);

const timeValue = fc.oneof(
  fc.constantFrom('now', 'now-15m', 'now-1h', 'now-2d', 'now-31d', 'now-45d'),
  fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 25n }), fc.constantFrom('s', 'm', 'h', 'd', 'w', 'y', '')).map(([n, u]) => `now-${n}${u}`),
  fc.integer({ min: -1, max: Number.MAX_SAFE_INTEGER }).map(String),
  fc.date({ min: new Date(-62_198_755_200_000), max: new Date(253_402_300_799_000), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ min: new Date(Date.now() - 40 * 86_400_000), max: new Date(Date.now() + 86_400_000), noInvalidDate: true }).map((d) => String(d.getTime())),
  fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 })).map(
    ([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
  ),
);
/** A from/to pair less than 31 days apart anywhere from year 0 to 9999 (each alone is refused by the range cap). */
const nearWindow = fc
  .tuple(fc.integer({ min: -62_198_755_200_000, max: 253_402_300_799_000 }), fc.integer({ min: 1, max: 31 * 86_400_000 }), fc.boolean())
  .map(([fromMs, spanMs, iso]) => [fromMs, fromMs + spanMs].map((ms) => (iso || ms < 0 ? new Date(ms).toISOString() : String(ms))) as [string, string]);
const numberValue = fc.oneof(
  fc.integer({ min: -10, max: 20_000 }).map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.double().map(String),
  fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 22n }), fc.constantFrom('ms', 's', 'm', 'h', 'd', 'w', '')).map(([n, u]) => `${n}${u}`),
);
const anyString = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.tuple(fc.constantFrom('x', '9', "'", '\u0000', 'é'), fc.constantFrom(1025, 5_000, 100_000)).map(([c, n]) => c.repeat(n)),
);
/** Per parameter: values a client would send, so queries run over the rows above (mostly valid). */
const recent = (maxAgoMs: number) => fc.integer({ min: 0, max: maxAgoMs }).map((ago) => Date.now() - ago);
const PLAUSIBLE: Record<string, fc.Arbitrary<string>> = {
  from: fc.oneof(fc.constantFrom('now-15m', 'now-1h', 'now-2d', 'now-31d'), recent(3_600_000).map(String), recent(86_400_000).map((ms) => new Date(ms).toISOString())),
  to: fc.oneof(fc.constantFrom('now', 'now-0s'), recent(60_000).map((ms) => String(ms + 120_000))),
  step: fc.constantFrom('1s', '10s', '1m', '1h', '1d', '31d', '60000'),
  limit: fc.integer({ min: 1, max: 500 }).map(String),
  maxDepth: fc.integer({ min: 0, max: 10 }).map(String),
  maxSpans: fc.integer({ min: 1, max: 10_000 }).map(String),
  groupBy: fc.constantFrom('destination', 'messageType'),
  type: fc.constantFrom('duplicate', 'ordering'),
  lag: fc.constantFrom('true', 'false', '1', '0', ''),
  anomalies: fc.constantFrom('true', 'false', '1', '0', ''),
  errorOnly: fc.constantFrom('true', 'false', '1', '0', ''),
  service: fc.constantFrom('hx-shop', 'hx-billing', 'hx-payments', 'nobody'),
  destination: fc.constantFrom('hx-orders', 'nowhere'),
  group: fc.constantFrom('hx-group', 'nobody'),
  messageId: fc.constantFrom('hx-m1', 'hx-m2'),
  traceId: fc.constantFrom(pub.traceId, pub.traceId.toUpperCase(), traceId()),
  attribute: fc.constantFrom('order.id=o-1', 'messaging.message.id=hx-m1', 'service.name=hx-shop', 'x='),
  env: fc.constantFrom('hx-prod', 'staging', "o'brien"),
  namespace: fc.constantFrom('hx-shop-ns', 'default'),
  partition: fc.constantFrom('0', '1'),
  origin: fc.constantFrom('hx-shop', 'nobody'),
};
/** Per parameter: values of the right kind but anywhere in their domain (out of range, overflowing, malformed). */
const OF_KIND: Record<string, fc.Arbitrary<string>> = {
  from: timeValue,
  to: timeValue,
  step: fc.oneof(
    fc.constantFrom('32d', '500ms', '0s', '1w'),
    numberValue,
    // beyond what a double holds exactly, the size that reached the engine's parameter binding
    fc.tuple(fc.bigInt({ min: 2n ** 53n - 8n, max: 10n ** 30n }), fc.constantFrom('ms', 's', 'm', 'h', 'd', '')).map(([n, u]) => `${n}${u}`),
  ),
  limit: numberValue,
  maxDepth: numberValue,
  maxSpans: numberValue,
};
const plausible = (name: string) => PLAUSIBLE[name] ?? anyString;
const hostile = (name: string) => fc.oneof(plausible(name), OF_KIND[name] ?? anyString.filter(ENGINE_FREE), anyString.filter(ENGINE_FREE));

/** The parameters each route reads (the test fails for a route that is missing here). */
const PARAMS: Record<string, string[]> = {
  '/api/health': [],
  '/api/topology': ['from', 'to', 'groupBy', 'lag', 'env', 'namespace'],
  '/api/requests': ['from', 'to', 'service', 'destination', 'messageId', 'traceId', 'attribute', 'errorOnly', 'limit', 'env', 'namespace'],
  '/api/requests/:traceId': ['maxDepth', 'maxSpans', 'anomalies'],
  '/api/lag': ['from', 'to', 'step', 'destination', 'group', 'partition', 'env', 'namespace'],
  '/api/anomalies': ['type', 'from', 'to', 'step', 'destination', 'group', 'limit', 'env', 'namespace'],
  '/api/throughput': ['from', 'to', 'step', 'destination', 'group', 'env', 'namespace'],
  '/api/pathways': ['from', 'to', 'origin', 'destination', 'limit', 'env', 'namespace'],
  '/api/environments': ['from', 'to'],
  '/api/patterns': ['from', 'to', 'env', 'namespace'],
  '/api/export/mermaid': ['from', 'to', 'env', 'namespace'],
  '/api/export/asyncapi': ['from', 'to', 'env', 'namespace'],
  '/api/transactions/:key/:value': ['from', 'to'],
  '/api/flows': ['from', 'to'],
  '/api/flows/stuck': ['from', 'to', 'flow', 'limit'],
  '/api/alerts': [],
  '/api/alerts/:id': [],
};

const pathParam = fc.oneof(
  { arbitrary: fc.constantFrom(pub.traceId, deliveries[0]!.traceId.toUpperCase(), '0'.repeat(32)), weight: 3 },
  fc.stringMatching(/^[0-9a-f]{32}$/),
  // URLSearchParams encodes a lone surrogate as U+FFFD where encodeURIComponent throws
  anyString.filter(ENGINE_FREE).map((v) => new URLSearchParams({ v }).toString().slice(2)),
  fc.constantFrom('%zz', '%', '%00', '%E0%A4%A', '..', '%2F'),
);

/**
 * A query string: some of the route's parameters. A third are what a client would send (they reach
 * the engine with real rows), a third the same but for one odd value, a third mix in values of any
 * kind, a repeated parameter, an unknown one and raw junk.
 */
function queryFor(names: string[]): fc.Arbitrary<string> {
  const pairsOf = (value: (name: string) => fc.Arbitrary<string>) =>
    names.length ? fc.subarray(names).chain((picked) => fc.tuple(...picked.map((n) => value(n).map((v) => [n, v] as const)))) : fc.constant([]);
  const encode = (pairs: ReadonlyArray<readonly [string, string]>) => new URLSearchParams(pairs as Array<[string, string]>);
  const client = pairsOf(plausible).map((pairs) => encode(pairs).toString());
  // what a client would send but for one parameter (or the time window): finds the value that alone breaks a query
  const oneOff = fc
    .tuple(pairsOf(plausible), names.length ? fc.constantFrom(...names, ...(names.includes('from') ? ['window'] : [])) : fc.constant('window'))
    .chain(([pairs, odd]) =>
      (odd === 'window' ? nearWindow.map(([from, to]) => [['from', from], ['to', to]] as Array<[string, string]>) : hostile(odd).map((v) => [[odd, v]] as Array<[string, string]>)).map((bad) => {
        const q = encode(pairs.filter(([n]) => !bad.some(([b]) => b === n)));
        for (const [n, v] of bad) q.append(n, v);
        return q.toString();
      }),
    );
  const attack = fc
    .record({
      pairs: pairsOf(hostile),
      repeat: fc.option(fc.constantFrom(...(names.length ? names : ['from'])), { freq: 4 }),
      unknown: fc.option(fc.tuple(fc.constantFrom('fro', 'Step', 'x', '', '__proto__', 'constructor', "'"), anyString.filter(ENGINE_FREE)), { freq: 4 }),
      raw: fc.option(fc.constantFrom('&', '&&=', '=', '%', '%zz', '&from', '&=x', '&a=%E0%A4%A'), { freq: 4 }),
      window: names.includes('from') ? fc.option(nearWindow, { freq: 2 }) : fc.constant(null),
    })
    .map(({ pairs, repeat, unknown, raw, window }) => {
      const q = new URLSearchParams();
      for (const [n, v] of pairs as ReadonlyArray<readonly [string, string]>) q.append(n, v);
      if (window) [q.delete('from'), q.delete('to'), q.append('from', window[0]), q.append('to', window[1])];
      if (repeat !== null) q.append(repeat, 'now');
      if (unknown !== null) q.append(unknown[0], unknown[1]);
      return q.toString() + (raw ?? '');
    });
  return fc.oneof(client, oneOff, attack);
}

/** Every string value (not key) of a JSON body: the health body's `clickhouseVersion` is a key, not a leak. */
function stringsOf(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) stringsOf(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) stringsOf(x, out);
  return out;
}

function checkAnswer(route: string, path: string, status: number, body: any): void {
  const where = `${path.slice(0, 300)} → ${status} ${JSON.stringify(body).slice(0, 300)}`;
  const allowed = route === '/api/requests/:traceId' || route === '/api/alerts/:id' || route === '/api/transactions/:key/:value' ? [200, 400, 404] : route === '/api/health' ? [200, 503] : [200, 400];
  assert.ok(allowed.includes(status), `status: ${where}`);
  // an export answers its file (a string) on success, JSON errors otherwise
  if (route.startsWith('/api/export/') && status === 200) {
    assert.ok(typeof body === 'string' && body.length > 0 && !ENGINE_TEXT.test(body), `export text: ${where}`);
    return;
  }
  assert.ok(body !== null && typeof body === 'object', `body is a JSON object: ${where}`);
  if (status === 503) assert.equal(body.status, 'down', where); // health reports the store, whatever the query says
  if (status >= 400 && status !== 503) assert.ok(typeof body.error === 'string' && body.error.length > 0, `error message: ${where}`);
  if (status === 200) assert.equal(body.error, undefined, where);
  for (const s of stringsOf(body)) assert.ok(!ENGINE_TEXT.test(s), `engine text ${JSON.stringify(s.slice(0, 200))}: ${where}`);
}

describe('every API route answers hostile parameters with 200 or 400, JSON, and no engine text', () => {
  test('the route table is covered', () => {
    assert.deepEqual(routes.map((r) => r.path).sort(), Object.keys(PARAMS).sort());
  });

  for (const { path: route } of routes) {
    test(route, async (ctx) => {
      const names = PARAMS[route] ?? [];
      const idParam = fc.oneof({ arbitrary: fc.constant(alertId), weight: 3 }, fc.uuid(), pathParam);
      // a business transaction: the key and value of the real rows (order.id=o-1 on the publish) or anything
      const keyValue = fc
        .tuple(fc.oneof({ arbitrary: fc.constantFrom('order.id', 'messaging.message.conversation_id'), weight: 3 }, pathParam), fc.oneof({ arbitrary: fc.constant('o-1'), weight: 3 }, pathParam))
        .map(([k, v]) => `${k}/${v}`);
      const arb = route.includes(':key') ? fc.tuple(keyValue, queryFor(names)) : route.includes(':traceId') ? fc.tuple(pathParam, queryFor(names)) : route.includes(':id') ? fc.tuple(idParam, queryFor(names)) : fc.tuple(fc.constant(''), queryFor(names));
      const statuses = new Map<number, number>();
      try {
        await fc.assert(
          fc.asyncProperty(arb, async ([id, query]) => {
            const path = `${route.replace(/:traceId|:id|:key\/:value/, id)}?${query}`;
            const { status, body } = await es.api(path);
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            checkAnswer(route, path, status, body);
          }),
          { seed: SEED, numRuns: RUNS },
        );
      } catch (err) {
        ctx.diagnostic(`reproduce with API_HOSTILE_SEED=${SEED}`);
        throw err;
      }
      ctx.diagnostic(`seed ${SEED}; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
      // the generators must reach the handlers' work, not only their refusals
      if (route !== '/api/health' && RUNS >= 20) assert.ok((statuses.get(200) ?? 0) > 0 && (statuses.get(400) ?? 0) > 0, JSON.stringify([...statuses]));
    });
  }
});

describe('alert rule bodies (POST /api/alerts, PUT /api/alerts/:id): hostile JSON answers 201/200 or 400, with a message and no engine text', () => {
  const field = fc.oneof(anyString, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(anyString, { maxLength: 3 }), fc.dictionary(anyString, anyString, { maxKeys: 3 }));
  const rule = fc.record(
    {
      name: fc.oneof(fc.constantFrom('ok', 'x'.repeat(300)), field),
      kind: fc.oneof(fc.constantFrom('consumer_status', 'lag_age', 'backlog', 'duplicate_rate', 'error_rate', 'no_traffic'), field),
      subject: fc.oneof(fc.constantFrom('consumerGroup', 'destination', 'service'), field),
      scope: fc.oneof(fc.record({ destination: fc.oneof(fc.constant('hx-orders'), field), consumerGroup: fc.oneof(fc.constant('hx-group'), field) }, { requiredKeys: [] }), field),
      statuses: fc.oneof(fc.subarray(['OK', 'WARN', 'REWIND', 'STALL', 'STOP']), field),
      comparison: fc.oneof(fc.constantFrom('>', '>=', '<', '<='), field),
      threshold: fc.oneof(fc.double({ min: -1, max: 200 }), fc.constantFrom(1e309, -0, 1e13), field),
      for: fc.oneof(fc.constantFrom('2m', '90s', 0, 86_401, '1e9h', '-1s'), field),
      window: fc.oneof(fc.constantFrom('5m', 59, '1d'), field),
      webhook: fc.oneof(fc.record({ url: fc.oneof(fc.constantFrom('https://h.example/x', 'http://[::1]:9/x', 'file:///etc/passwd', 'javascript:1'), field), format: fc.oneof(fc.constantFrom('json', 'slack'), field) }, { requiredKeys: [] }), field),
      enabled: fc.oneof(fc.boolean(), field),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof({ arbitrary: rule, weight: 4 }, fc.jsonValue());
  for (const method of ['POST', 'PUT'] as const) {
    test(method, async () => {
      const seen = new Set<number>();
      await fc.assert(
        fc.asyncProperty(body, async (b) => {
          const path = method === 'POST' ? '/api/alerts' : `/api/alerts/${alertId}`;
          const { status, body: answer } = await es.api(path, undefined, { method, body: b });
          seen.add(status);
          const where = `${method} ${JSON.stringify(b).slice(0, 300)} → ${status} ${JSON.stringify(answer).slice(0, 300)}`;
          assert.ok([method === 'POST' ? 201 : 200, 400].includes(status), where);
          if (status === 400) assert.ok(typeof answer.error === 'string' && answer.error.length > 0, where);
          for (const s of stringsOf(answer)) assert.ok(!ENGINE_TEXT.test(s) || stringsOf(b).includes(s), `engine text: ${where}`);
        }),
        { seed: SEED, numRuns: RUNS },
      );
      assert.ok(seen.has(400), [...seen].join());
    });
  }
});

describe('regressions: parameters that reached the engine or threw answer 400 with a precise message', () => {
  const bounds = 'between 1970-01-01T00:00:00.000Z and 2100-01-01T00:00:00.000Z';
  const cases: Array<[string, string]> = [
    // an integer beyond 2^53 reached the engine's parameter binding (500)
    ['/api/lag?step=99999999999999999999s', 'step must be at most 31d, got "99999999999999999999s"'],
    ['/api/lag?step=9999999999999999', 'step must be at most 31d, got "9999999999999999"'],
    ['/api/anomalies?step=32d', 'step must be at most 31d, got "32d"'],
    // DateTime64 overflow in ClickHouse (DECIMAL_OVERFLOW, 500)
    ['/api/requests?from=0000-01-01&to=0000-01-20', `from: expected a time ${bounds}, got "0000-01-01"`],
    ['/api/anomalies?from=0000-01-01&to=0000-01-20', `from: expected a time ${bounds}, got "0000-01-01"`],
    ['/api/requests?from=2262-04-01&to=2262-04-20', `from: expected a time ${bounds}, got "2262-04-01"`],
    ['/api/anomalies?from=2299-12-20&to=2300-01-01', `from: expected a time ${bounds}, got "2299-12-20"`],
    ['/api/requests?from=9999-12-01&to=9999-12-31', `from: expected a time ${bounds}, got "9999-12-01"`],
    ['/api/lag?from=now-1h&to=2100-01-01T00:00:00.001Z', `to: expected a time ${bounds}, got "2100-01-01T00:00:00.001Z"`],
    ['/api/topology?from=1969-12-31T23:00:00Z&to=1970-01-01T01:00:00Z', `from: expected a time ${bounds}, got "1969-12-31T23:00:00Z"`],
    // a malformed escape in the path threw URIError out of the route table
    ['/api/requests/%zz', 'traceId: expected 32 hex characters, got "%zz"'],
    // a day the calendar lacks was rolled over to another day
    ['/api/topology?from=2026-02-30T00:00:00Z', 'from: expected a date the calendar has, got "2026-02-30T00:00:00Z"'],
    // a repeated parameter silently took its first value
    ['/api/lag?from=now-1h&from=now-2h', 'from: expected one value, got 2'],
    ['/api/requests?service=a&service=b', 'service: expected one value, got 2'],
    // an unknown parameter (a typo) was silently ignored everywhere but the request list
    ['/api/lag?grop=hx-group', 'unknown parameter "grop"; expected from, to, step, destination, group, partition, env, namespace'],
    ['/api/topology?groupby=messageType', 'unknown parameter "groupby"; expected from, to, groupBy, lag, env, namespace'],
    ['/api/anomalies?types=duplicate', 'unknown parameter "types"; expected type, from, to, step, destination, group, limit, env, namespace'],
    ['/api/throughput?step=30s', 'step: expected whole minutes (the throughput state is per minute), got "30s"'],
    ['/api/pathways?env=a%00b', 'env: expected an environment name of at most 256 printable characters, got "a\\u0000b"'],
    [`/api/requests/${pub.traceId}?depth=1`, 'unknown parameter "depth"; expected maxDepth, maxSpans, anomalies'],
    // a 100 kB value is not echoed back whole
    [`/api/topology?groupBy=${'x'.repeat(100_000)}`, `groupBy: expected one of destination, messageType, got "${'x'.repeat(80)}…"`],
    [`/api/lag?destination=${'x'.repeat(100_000)}`, 'destination: expected a non-empty name or value of at most 1024 characters, got 100000 characters'],
  ];
  for (const [path, message] of cases) {
    test(path.slice(0, 100), async () => {
      const { status, body } = await es.api(path);
      assert.deepEqual([status, body], [400, { error: message }]);
    });
  }

  test('the same parameters that hostile values are refused on still find the stored rows', async () => {
    const r = await es.api(`/api/requests?from=now-1h&attribute=${encodeURIComponent('order.id=o-1')}&service=hx-shop`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.requests.map((x: any) => x.traceId), [pub.traceId]);
    const lag = await es.api('/api/lag?from=now-10m&step=31d&destination=hx-orders');
    assert.equal(lag.status, 200);
    assert.deepEqual(lag.body.groups.map((g: any) => g.consumerGroup), ['hx-group']);
  });
});

describe('an internal error', () => {
  test('answers a generic 500 and leaves the engine text to the server log', async () => {
    const logged: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void logged.push(args);
    let result;
    try {
      const handler = async () => {
        await es.store.query(`SELECT * FROM ${es.store.database}.no_such_table WHERE x = {v:String}`, { name: 'test:broken', params: { v: "'" } });
        return { status: 200, body: {} };
      };
      result = await runHandler(handler, { store: es.store, url: new URL('http://x/api/broken'), params: {}, now: new Date(), config: es.config });
    } finally {
      console.error = original;
    }
    assert.deepEqual(result, { status: 500, body: { error: 'internal error; see the server log' } });
    const log = logged.map((args) => args.map((a) => (a instanceof Error ? `${a.message}` : String(a))).join(' ')).join('\n');
    assert.match(log, /\/api\/broken failed/);
    assert.match(log, /no_such_table|UNKNOWN_TABLE/);
  });

  test('the Next.js adapter answers JSON, also when the store cannot be opened', async () => {
    const get = routeHandler(lagHandler);
    const bad = await get(new Request('http://eventscope.test/api/lag?step=99999999999999999999s'));
    assert.equal(bad.headers.get('content-type'), 'application/json');
    assert.deepEqual([bad.status, await bad.json()], [400, { error: 'step must be at most 31d, got "99999999999999999999s"' }]);

    const failed = Promise.reject(new Error('Code: 76. DB::Exception: Cannot lock file /data/status. (CANNOT_OPEN_FILE)'));
    failed.catch(() => {});
    (globalThis as Record<symbol, unknown>)[Symbol.for('eventscope.store')] = failed;
    const original = console.error;
    const logged: string[] = [];
    console.error = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
    try {
      const res = await get(new Request('http://eventscope.test/api/lag'));
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.deepEqual([res.status, await res.json()], [500, { error: 'internal error; see the server log' }]);
      assert.match(logged.join('\n'), /\/api\/lag failed: Error: Code: 76/);
    } finally {
      console.error = original;
      registerStore(es.store);
    }
  });
});
