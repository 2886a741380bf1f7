// `npm start -- --demo` on a protected Eventscope: the in-process demo shop sends with the first
// ingest token and trusts Eventscope's own certificate, so a team that turns on tokens and TLS
// still sees the demo's traffic (before, every export failed silently: 401 or an untrusted
// certificate). Bound to 0.0.0.0 it still reaches the collector on this machine.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEventscope, type Eventscope } from '../../scripts/eventscope.js';
import { makeTestCertificate, type TestCertificate } from '../support/tls.js';

let es: Eventscope | undefined;
let cert: TestCertificate;
const logs: string[] = [];

before(async () => {
  cert = await makeTestCertificate();
  es = await startEventscope({
    ui: false,
    env: {
      EVENTSCOPE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'es-demo-protected-')),
      EVENTSCOPE_HOST: '0.0.0.0',
      EVENTSCOPE_OTLP_HTTP_PORT: '0',
      EVENTSCOPE_OTLP_GRPC_PORT: '0',
      EVENTSCOPE_BATCH_INTERVAL_MS: '20',
      EVENTSCOPE_INGEST_TOKENS: 'ops:0123456789abcdef0123,demo:fedcba9876543210fedc',
      EVENTSCOPE_TLS_CERT_FILE: cert.certFile,
      EVENTSCOPE_TLS_KEY_FILE: cert.keyFile,
    },
    demoArgs: ['--rate', '30', '--export-interval-ms', '100'],
    log: (m) => logs.push(m),
  });
});

after(async () => {
  await es?.stop();
  cert?.remove();
});

test('the demo behind ingest tokens and TLS gets its spans stored, under the first token name', async () => {
  assert.match(es!.otlpHttpUrl, /^https:\/\/0\.0\.0\.0:\d+$/);
  const deadline = Date.now() + 20_000;
  let n = 0;
  while (n < 50) {
    assert.ok(Date.now() < deadline, `only ${n} demo spans stored in 20 s`);
    await new Promise((r) => setTimeout(r, 200));
    const [row] = await es!.store.query<{ n: string }>(`SELECT count() AS n FROM ${es!.store.database}.spans WHERE service_name = 'order'`, { name: 'test:demo-count' });
    n = Number(row?.n ?? 0);
  }
  const { metrics } = await import('../../lib/metrics.js');
  const { values } = await metrics().ingestRequests.get();
  const ok = (token: string) => values.filter((v) => v.labels.token === token && v.labels.outcome === 'ok').reduce((a, v) => a + v.value, 0);
  assert.ok(ok('ops') > 0, 'the demo sends with the first token');
  assert.equal(ok('demo'), 0);
});
