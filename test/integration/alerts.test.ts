// Alerts end to end over the real collector and chDB: a rule for a stopped consumer group (Burrow
// STOP, as the lag page shows it) fires a webhook that a test HTTP server records, stays quiet
// while it keeps firing (also across an evaluator restart), and resolves once when the consumer
// resumes. The API validates rules with precise messages and keeps edits and deletes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';
import { clock, messaging, type Span } from '../support/otlp.js';
import { startEvaluator, type Evaluator } from '../../lib/alerts/evaluator.js';
import { routeHandler } from '../../lib/api/http.js';
import { createHandler } from '../../lib/api/alerts.js';
import { registerStore } from '../../lib/runtime.js';
import { metrics } from '../../lib/metrics.js';

let es: TestEventscope;
let hook: http.Server;
let hookUrl: string;
const received: any[] = [];
const DEST = 'al-orders';
const GROUP = 'al-billing';
const waiting: Span[] = [];

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits for `n` more completed evaluations of the evaluator. */
async function evaluations(ev: Evaluator, n: number) {
  const target = ev.evaluations + n;
  await until(`${n} evaluations`, () => ev.evaluations >= target);
  await ev.idle();
}

before(async () => {
  es = await startTestEventscope();
  registerStore(es.store);
  hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ contentType: req.headers['content-type'], body: JSON.parse(body) });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
});
after(async () => {
  await es?.close();
  await new Promise((r) => hook?.close(r));
});

describe('an alert on a stopped consumer group', () => {
  let ruleId: string;
  let ev: Evaluator;
  const evaluatorOpts = () => ({ store: es.store, intervalMs: 150, dashboardUrl: 'http://dash.test:3000', delivery: { backoffMs: 20 }, log: () => {} });

  it('is created through the API', async () => {
    const r = await es.api('/api/alerts', undefined, {
      method: 'POST',
      body: { name: 'billing stopped', kind: 'consumer_status', scope: { destination: DEST, consumerGroup: GROUP }, statuses: ['STOP'], for: '1s', webhook: { url: hookUrl } },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.match(r.body.id, /^[0-9a-f-]{36}$/);
    assert.equal(r.body.condition, 'status is STOP for 1s');
    assert.equal(r.body.state, 'ok');
    ruleId = r.body.id;
  });

  it('fires once the group has stopped for the duration, with the payload a receiver needs', async () => {
    // published every 10 s over the last 10 minutes; the group consumed the first 3 minutes, then stopped
    const t = clock(Date.now() - 600_000);
    const spans: Span[] = [];
    for (let s = 0; s < 59; s++) {
      const p = t.span({ service: 'al-shop', name: `${DEST} send`, kind: 'PRODUCER', start: s * 10_000, attributes: messaging({ destination: DEST, operation: 'send' }) });
      spans.push(p);
      if (s < 18) spans.push(t.span({ service: 'al-billing-svc', name: `${DEST} process`, kind: 'CONSUMER', parent: p, start: s * 10_000 + 50, attributes: messaging({ destination: DEST, operation: 'process', group: GROUP }) }));
      else waiting.push(p);
    }
    await es.sendSpans(spans);
    const lag = await es.api(`/api/lag?from=now-15m&destination=${DEST}&group=${GROUP}`);
    assert.equal(lag.body.groups[0]?.status, 'STOP', 'the lag page says STOP too');

    const firingMetric0 = await metrics().alertNotifications.get();
    const sent0 = firingMetric0.values.find((v) => v.labels.outcome === 'sent')?.value ?? 0;
    ev = startEvaluator(evaluatorOpts());
    await until('the firing webhook', () => received.length >= 1);
    await ev.idle();
    assert.equal(received.length, 1);
    const { body, contentType } = received[0];
    assert.equal(contentType, 'application/json');
    assert.equal(body.status, 'firing');
    assert.equal(body.rule.id, ruleId);
    assert.equal(body.rule.name, 'billing stopped');
    assert.deepEqual(body.instance, { destination: DEST, consumerGroup: GROUP, label: `${DEST} → ${GROUP}` });
    assert.match(body.valueText, /^STOP: /);
    assert.equal(body.url, `http://dash.test:3000/lag?destination=${DEST}&group=${GROUP}`);
    assert.ok(Date.parse(body.since) <= Date.parse(body.at));
    assert.match(body.summary, /^\[FIRING\] billing stopped: al-orders → al-billing/);
    const sent1 = (await metrics().alertNotifications.get()).values.find((v) => v.labels.outcome === 'sent')?.value ?? 0;
    assert.equal(sent1 - sent0, 1, 'counted as sent');

    const list = await es.api('/api/alerts');
    const rule = list.body.rules.find((r: any) => r.id === ruleId);
    assert.equal(rule.state, 'firing');
    assert.equal(rule.instances[0].label, `${DEST} → ${GROUP}`);
    assert.equal(list.body.firing, 1);
    assert.equal(list.body.events[0].event, 'firing');
    assert.equal(list.body.events[0].ruleId, ruleId);
  });

  it('sends nothing more while it keeps firing, also after the evaluator restarts', async () => {
    await evaluations(ev, 3);
    assert.equal(received.length, 1);
    await ev.stop();
    ev = startEvaluator(evaluatorOpts());
    await evaluations(ev, 3);
    assert.equal(received.length, 1, 'a restart re-reads the state: no second firing message');
    const list = await es.api('/api/alerts');
    assert.equal(list.body.rules[0].state, 'firing');
  });

  it('resolves once when the consumer resumes', async () => {
    const t = clock(Date.now());
    await es.sendSpans(
      waiting.map((p, i) =>
        t.span({ service: 'al-billing-svc', name: `${DEST} process`, kind: 'CONSUMER', parent: p, start: -2_000 + i * 20, attributes: messaging({ destination: DEST, operation: 'process', group: GROUP }) }),
      ),
    );
    await until('the resolved webhook', () => received.length >= 2);
    await evaluations(ev, 3);
    assert.equal(received.length, 2, 'one resolved message');
    const { body } = received[1];
    assert.equal(body.status, 'resolved');
    assert.equal(body.rule.id, ruleId);
    assert.equal(body.since, received[0].body.since, 'resolved says since when it had been firing');
    assert.doesNotMatch(body.valueText, /^STOP/);
    assert.match(body.summary, /^\[RESOLVED\] billing stopped/);
    await ev.stop();
    ev = startEvaluator(evaluatorOpts());
    await evaluations(ev, 2);
    await ev.stop();
    assert.equal(received.length, 2, 'nothing after a restart either');
    const list = await es.api('/api/alerts');
    assert.equal(list.body.rules[0].state, 'ok');
    assert.deepEqual(list.body.events.map((e: any) => e.event), ['resolved', 'firing']);
  });
});

describe('a webhook that never takes the message', () => {
  it('is retried, counted as failed, and the history says so', async () => {
    const created = await es.api('/api/alerts', undefined, {
      method: 'POST',
      // a destination that never had traffic: no_traffic fires at once
      body: { name: 'nowhere quiet', kind: 'no_traffic', subject: 'destination', scope: { destination: 'al-nowhere' }, window: '1m', webhook: { url: 'http://127.0.0.1:9/closed' } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const failed = async () => (await metrics().alertNotifications.get()).values.find((v) => v.labels.outcome === 'failed')?.value ?? 0;
    const retried = async () => (await metrics().alertNotifications.get()).values.find((v) => v.labels.outcome === 'retried')?.value ?? 0;
    const [failed0, retried0] = [await failed(), await retried()];
    const ev = startEvaluator({ store: es.store, intervalMs: 100, dashboardUrl: 'http://dash.test', delivery: { backoffMs: 10, attempts: 3 }, log: () => {} });
    try {
      await until('the undelivered event', async () => (await es.api('/api/alerts')).body.events.some((e: any) => e.ruleId === created.body.id && e.event === 'undelivered'));
    } finally {
      await ev.stop();
    }
    const list = await es.api('/api/alerts');
    const events = list.body.events.filter((e: any) => e.ruleId === created.body.id);
    assert.deepEqual(events.map((e: any) => e.event), ['undelivered', 'firing']);
    assert.match(events[0].valueText, /^firing message not delivered after 3 attempts: /);
    assert.equal(events[1].valueText, '0 messages');
    assert.equal(await failed() - failed0, 1);
    assert.equal(await retried() - retried0, 2);
    assert.equal((await es.api(`/api/alerts/${created.body.id}`, undefined, { method: 'DELETE' })).status, 200);
  });
});

describe('the alerts API', () => {
  const valid = { name: 'backlog', kind: 'backlog', threshold: 100, comparison: '>=', for: 120, webhook: { url: 'https://hooks.example.com/x', format: 'slack' } };

  it('refuses a bad rule with one precise message per problem', async () => {
    const r = await es.api('/api/alerts', undefined, {
      method: 'POST',
      body: { name: '', kind: 'backlog', threshold: -1, statuses: ['STOP'], for: '2 weeks', webhook: { url: 'ftp://x' }, extra: 1 },
    });
    assert.equal(r.status, 400);
    for (const part of ['name: must not be empty', 'threshold: must be at least 0', 'webhook.url: must be an http:// or https:// URL', 'for: expected a duration', 'Unrecognized key: "extra"']) {
      assert.ok(r.body.error.includes(part), `${part} in ${r.body.error}`);
    }
    const status = await es.api('/api/alerts', undefined, { method: 'POST', body: { name: 'x', kind: 'consumer_status', webhook: { url: 'http://a.b' } } });
    assert.equal(status.status, 400);
    assert.match(status.body.error, /statuses: required for consumer_status/);
    const notObject = await es.api('/api/alerts', undefined, { method: 'POST', body: [1] });
    assert.equal(notObject.status, 400);
    assert.match(notObject.body.error, /expected a JSON object/);
  });

  it('keeps edits and deletes', async () => {
    const created = await es.api('/api/alerts', undefined, { method: 'POST', body: valid });
    assert.equal(created.status, 201);
    const id = created.body.id;
    assert.equal(created.body.condition, 'backlog >= 100 messages for 2m');
    const put = await es.api(`/api/alerts/${id}`, undefined, { method: 'PUT', body: { ...valid, threshold: 5, name: 'backlog 5' } });
    assert.equal(put.status, 200);
    assert.equal(put.body.threshold, 5);
    assert.equal(put.body.createdAt, created.body.createdAt);
    const got = await es.api(`/api/alerts/${id}`);
    assert.equal(got.body.name, 'backlog 5');
    assert.equal(got.body.webhook.format, 'slack');
    assert.equal((await es.api(`/api/alerts/${id}`, undefined, { method: 'DELETE' })).status, 200);
    assert.equal((await es.api(`/api/alerts/${id}`)).status, 404);
    assert.equal((await es.api(`/api/alerts/${id}`, undefined, { method: 'PUT', body: valid })).status, 404, 'a deleted rule is not revived');
    assert.equal((await es.api(`/api/alerts/${id}`, undefined, { method: 'DELETE' })).status, 404);
    assert.ok(!(await es.api('/api/alerts')).body.rules.some((r: any) => r.id === id));
    const badId = await es.api(`/api/alerts/not-a-uuid`);
    assert.equal(badId.status, 400);
    assert.match(badId.body.error, /^id: expected a rule id/);
  });

  it('through the Next.js adapter: JSON only, bounded size, valid JSON', async () => {
    const post = routeHandler(createHandler);
    const req = (body: string, type = 'application/json') => new Request('http://x.test/api/alerts', { method: 'POST', headers: { 'content-type': type }, body });
    const form = await post(req('name=x', 'application/x-www-form-urlencoded'));
    assert.equal(form.status, 415);
    assert.match((await form.json()).error, /Content-Type: application\/json/);
    const big = await post(req(JSON.stringify({ ...valid, name: 'x'.repeat(70_000) })));
    assert.equal(big.status, 413);
    const broken = await post(req('{"name": '));
    assert.equal(broken.status, 400);
    assert.match((await broken.json()).error, /^body: not valid JSON/);
    const good = await post(req(JSON.stringify(valid)));
    assert.equal(good.status, 201);
  });
});
