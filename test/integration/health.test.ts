// /api/health for real: ok, degraded with a reason when the store's queries or the pairing pass
// fail (and ok again once they work), 503 'down' when the store does not answer at all.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../lib/config/index.js';
import { openStore, type Store } from '../../lib/store/index.js';
import { handler as health } from '../../lib/api/health.js';
import { runHandler } from '../../lib/api/http.js';
import { startTestEventscope, type TestEventscope } from '../support/harness.js';

async function healthOf(store: Store, es?: TestEventscope) {
  const r = await runHandler(health, { store, url: new URL('http://t/api/health'), params: {}, now: new Date(), config: es?.config });
  return { status: r.status, body: JSON.parse(JSON.stringify(r.body)) };
}

describe('/api/health', () => {
  let es: TestEventscope;
  before(async () => {
    es = await startTestEventscope();
  });
  after(async () => {
    await es?.close();
  });

  test('ok: status, no reason, the store and the pairing watermark', async () => {
    const h = await es.api('/api/health');
    assert.equal(h.status, 200);
    assert.equal(h.body.status, 'ok');
    assert.equal(h.body.reason, null);
    assert.deepEqual(h.body.reasons, []);
    assert.equal(h.body.store.mode, 'embedded');
    assert.equal(typeof h.body.spansStored, 'number');
    assert.ok(h.body.pairing.behindMs < 60_000);
  });

  test('queries that fail make it degraded (still 200), and ok again when they work', async () => {
    const db = es.store.database;
    await es.store.command(`DETACH TABLE ${db}.spans`);
    try {
      const h = await healthOf(es.store, es);
      assert.equal(h.status, 200);
      assert.equal(h.body.status, 'degraded');
      assert.match(h.body.reason, /^The store answers but its queries fail/);
      assert.equal(h.body.spansStored, null);
    } finally {
      await es.store.command(`ATTACH TABLE ${db}.spans`);
    }
    const back = await healthOf(es.store, es);
    assert.equal(back.body.status, 'ok', back.body.reason);
  });

  test('a pairing pass that cannot run makes it degraded, and ok after the next pass', async () => {
    const db = es.store.database;
    const pairing = es.collector.pairing!;
    await es.store.command(`DETACH TABLE ${db}.messaging_spans`);
    try {
      await pairing.runOnce().then(
        () => assert.fail('the pass should fail without messaging_spans'),
        () => {},
      );
      const h = await healthOf(es.store, es);
      assert.equal(h.status, 200);
      assert.equal(h.body.status, 'degraded');
      assert.match(h.body.reason, /^The pairing pass fails, so the flow map, lag and anomalies stop updating/);
    } finally {
      await es.store.command(`ATTACH TABLE ${db}.messaging_spans`);
    }
    await pairing.sync();
    const back = await healthOf(es.store, es);
    assert.equal(back.body.status, 'ok', back.body.reason);
  });
});

test('a store that does not answer at all: 503, status down, with a reason', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-health-'));
  // (one chDB folder per process: this runs after the suite above closed its store)
  const store = await openStore(loadConfig({ EVENTSCOPE_DATA_DIR: dir }));
  try {
    assert.equal((await healthOf(store)).body.status, 'ok');
  } finally {
    await store.close();
  }
  const h = await healthOf(store);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(h.status, 503);
  assert.equal(h.body.status, 'down');
  assert.match(h.body.reason, /^The store does not answer/);
});
