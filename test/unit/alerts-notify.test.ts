// Alert notifications (lib/alerts/notify.ts): the JSON and Slack payloads, and delivery over real
// HTTP — retried with backoff on 5xx, not on a 4xx, bounded by a timeout.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliver, payload, slackPayload, type Notification } from '../../lib/alerts/notify.js';
import type { AlertRule } from '../../lib/alerts/rules.js';

let server: http.Server;
let base: string;
const hits = new Map<string, number>();
before(async () => {
  server = http.createServer((req, res) => {
    const n = (hits.get(req.url!) ?? 0) + 1;
    hits.set(req.url!, n);
    req.resume();
    if (req.url === '/flaky' && n < 3) return void res.writeHead(503).end();
    if (req.url === '/gone') return void res.writeHead(410).end();
    if (req.url === '/hang') return; // never answers
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const rule = (url: string, format: 'json' | 'slack' = 'json'): AlertRule => ({
  id: '00000000-0000-4000-8000-000000000001', name: 'orders <backlog>', kind: 'backlog', subject: 'consumerGroup', scope: {},
  comparison: '>', threshold: 100, forSeconds: 120, webhook: { url, format }, enabled: true, createdAt: '', updatedAt: '',
});
const note = (url: string, format?: 'json' | 'slack'): Notification => ({
  rule: rule(url, format), instance: { destination: 'orders', consumerGroup: 'billing' }, transition: 'firing', value: 250, valueText: '250 messages', sinceMs: Date.UTC(2026, 0, 1), atMs: Date.UTC(2026, 0, 1, 0, 2),
});

describe('alert notifications', () => {
  it('payloads say what fired, where, since when, with a link', () => {
    const p = payload(note('http://x'), 'https://es.example.com/');
    assert.equal(p.status, 'firing');
    assert.equal(p.rule.condition, 'backlog > 100 messages for 2m');
    assert.equal(p.instance.label, 'orders → billing');
    assert.equal(p.value, 250);
    assert.equal(p.threshold, 100);
    assert.equal(p.since, '2026-01-01T00:00:00.000Z');
    assert.equal(p.url, 'https://es.example.com/lag?destination=orders&group=billing');
    const s = slackPayload(note('http://x', 'slack'), 'https://es.example.com');
    assert.equal(s.text, p.summary);
    assert.match(JSON.stringify(s.blocks), /orders &lt;backlog&gt;/, 'Slack control characters escaped');
    assert.match(JSON.stringify(s.blocks), /<https:\/\/es\.example\.com\/lag\?destination=orders&group=billing\|Open in Eventscope>/);
  });

  it('retries a 5xx with backoff until it is taken', async () => {
    const r = await deliver(note(`${base}/flaky`), base, { backoffMs: 5, attempts: 4 });
    assert.deepEqual(r, { ok: true, attempts: 3, status: 200 });
    assert.equal(hits.get('/flaky'), 3);
  });

  it('does not retry a 4xx', async () => {
    const r = await deliver(note(`${base}/gone`), base, { backoffMs: 5, attempts: 4 });
    assert.equal(r.ok, false);
    assert.equal(hits.get('/gone'), 1);
  });

  it('gives up on a webhook that never answers, within its timeout per attempt', async () => {
    const r = await deliver(note(`${base}/hang`), base, { backoffMs: 5, attempts: 2, timeoutMs: 100 });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error, 'no answer within 100 ms');
    assert.equal(hits.get('/hang'), 2);
  });
});
