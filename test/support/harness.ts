// Test harness: a real store (chDB in a fresh temp folder) and the real collector on ephemeral
// ports; the JSON API is called through the same route table and handlers Next.js serves.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../lib/config/index.js';
import { openStore, type Store } from '../../lib/store/index.js';
import { registerListeners, registerStore } from '../../lib/runtime.js';
import { startCollector, type Collector } from '../../collector/index.js';
import { matchRoute } from '../../lib/api/routes.js';
import { runHandler } from '../../lib/api/http.js';
import { request, type Span } from './otlp.js';

export interface TestEventscope {
  config: Config;
  store: Store;
  collector: Collector;
  dataDir: string;
  otlpHttpUrl: string;
  otlpGrpcUrl: string;
  /** POSTs an OTLP/JSON export request to /v1/traces; returns the HTTP response. */
  postOtlpJson(body: unknown): Promise<Response>;
  /** Sends spans as one export request and fails unless it is acknowledged (then they are stored). */
  sendSpans(spans: Span[]): Promise<void>;
  /** Polls until at least `n` spans are stored (or throws after the deadline). */
  waitForSpans(n: number, timeoutMs?: number): Promise<number>;
  countSpans(): Promise<number>;
  /** Spans stored for one service. */
  countSpansOf(service: string): Promise<number>;
  /** Calls a JSON API path like '/api/topology?from=now-1h' (GET, or another method with a JSON body). */
  api<T = any>(pathWithQuery: string, now?: Date, init?: { method: 'POST' | 'PUT' | 'DELETE'; body?: unknown }): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startTestEventscope(env: Record<string, string> = {}): Promise<TestEventscope> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-test-'));
  const config = loadConfig({
    EVENTSCOPE_DATA_DIR: dataDir,
    EVENTSCOPE_OTLP_HTTP_PORT: '0',
    EVENTSCOPE_OTLP_GRPC_PORT: '0',
    EVENTSCOPE_BATCH_INTERVAL_MS: '20',
    ...env,
  });
  const store = await openStore(config);
  registerStore(store);
  const collector = await startCollector({ store, config, log: () => {} });
  const otlpHttpUrl = `http://127.0.0.1:${collector.httpPort}`;
  registerListeners({ otlpHttpUrl, otlpGrpcUrl: `http://127.0.0.1:${collector.grpcPort}` });
  const countSpans = async () => {
    const [row] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${store.database}.spans`, { name: 'test:count' });
    return Number(row?.n ?? 0);
  };
  const countSpansOf = async (service: string) => {
    const [row] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${store.database}.spans WHERE service_name = {s:String}`, {
      name: 'test:count-of',
      params: { s: service },
    });
    return Number(row?.n ?? 0);
  };
  const postOtlpJson = (body: unknown) =>
    fetch(`${otlpHttpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return {
    config,
    store,
    collector,
    dataDir,
    otlpHttpUrl,
    otlpGrpcUrl: `http://127.0.0.1:${collector.grpcPort}`,
    postOtlpJson,
    async sendSpans(spans) {
      const res = await postOtlpJson(request(spans));
      // ack after commit: a 200 means every span is queryable now, no polling needed
      if (res.status !== 200) throw new Error(`export answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    },
    countSpans,
    countSpansOf,
    async waitForSpans(n, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const have = await countSpans();
        if (have >= n) return have;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} spans (have ${have})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async api(pathWithQuery, now = new Date(), init) {
      const url = new URL(pathWithQuery, 'http://eventscope.test');
      const match = matchRoute(url.pathname);
      if (!match) return { status: 404, body: { error: `no route ${url.pathname}` } as any };
      const { handler: get, methods } = await match.route.load();
      const handler = init ? methods?.[init.method] : get;
      if (!handler) return { status: 405, body: { error: `${init?.method} not allowed on ${match.route.path}` } as any };
      // views read the hop model: pair everything committed so far first (a real user sees it within a second)
      await collector.pairing?.sync();
      const result = await runHandler(handler, { store, url, params: match.params, now, config, method: init?.method ?? 'GET', body: init?.body });
      // Round-trip through JSON so tests see exactly what a client would.
      return { status: result.status, body: JSON.parse(JSON.stringify(result.body)) };
    },
    async close() {
      await collector.close();
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
