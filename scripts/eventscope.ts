// The composition root: opens the store, starts the collector and the Next.js dashboard in one
// process (chDB binds its data folder to one process), optionally the demo shop.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type https from 'node:https';
import path from 'node:path';
import { loadConfig, type Config } from '../lib/config/index.js';
import { openStore, type Store } from '../lib/store/index.js';
import { registerConfig, registerListeners, registerStore } from '../lib/runtime.js';
import { startCollector, type Collector } from '../collector/index.js';
import { startDashboardServer, startMetricsServer } from '../lib/web/server.js';
import { exposureWarning } from '../lib/auth/exposure.js';

export const ROOT = path.resolve(import.meta.dirname, '..');

export interface EventscopeOptions {
  env?: Record<string, string | undefined>;
  /** serve the dashboard too (default true); false = collector only */
  ui?: boolean;
  dev?: boolean;
  /** demo shop arguments (as on the command line), or undefined for no demo */
  demoArgs?: string[];
  log?: (msg: string) => void;
}

export interface Eventscope {
  config: Config;
  store: Store;
  collector: Collector;
  uiUrl?: string;
  /** GET /metrics without authentication, when EVENTSCOPE_METRICS_PORT is set */
  metricsUrl?: string;
  otlpHttpUrl: string;
  otlpGrpcUrl: string;
  stop(): Promise<void>;
}

const SOURCE_PATHS = ['app', 'components', 'lib', 'next.config.js', 'package-lock.json', 'tsconfig.json'];

function newestMtime(p: string): number {
  const abs = path.join(ROOT, p);
  if (!fs.existsSync(abs)) return 0;
  const st = fs.statSync(abs);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of fs.readdirSync(abs, { recursive: true, encoding: 'utf8' })) {
    newest = Math.max(newest, fs.statSync(path.join(abs, entry)).mtimeMs);
  }
  return newest;
}

const distDir = () => process.env.EVENTSCOPE_NEXT_DIST_DIR || '.next';

function buildIsFresh(): boolean {
  const buildId = path.join(ROOT, distDir(), 'BUILD_ID');
  const built = fs.existsSync(buildId) ? fs.statSync(buildId).mtimeMs : 0;
  return built > Math.max(...SOURCE_PATHS.map(newestMtime));
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Builds the dashboard when there is no build or the sources changed since the last one. Processes
 * that ask at the same time (test files run in parallel) take turns through a lock file: the first
 * builds, the others wait for it and then find the build fresh (`next build` itself refuses to run
 * twice at once).
 */
export function ensureBuild(log: (msg: string) => void = console.log): void {
  if (buildIsFresh()) return;
  const lock = path.join(ROOT, `${distDir()}.build-lock`);
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx'));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // a lock left by a build that died (older than any build takes) is taken over
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 10 * 60_000) fs.rmSync(lock, { force: true });
      else sleepSync(500);
    }
  }
  try {
    if (buildIsFresh()) return; // another process built it while this one waited
    log(fs.existsSync(path.join(ROOT, distDir(), 'BUILD_ID')) ? 'Sources changed since the last build; rebuilding the dashboard…' : 'First run: building the dashboard (about a minute)…');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/next/dist/bin/next'), 'build', '--webpack'], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    });
    if (r.status !== 0) throw new Error('next build failed (see above)');
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** The in-process demo reaches the collector on this machine, whatever address it is bound to. */
function localUrl(url: string): string {
  return url.replace(/\/\/(0\.0\.0\.0|\[::\])(?=:)/, '//127.0.0.1');
}

/**
 * What the in-process demo needs to get in: the first ingest token, and trust in Eventscope's own
 * certificate (pinned to that certificate; its name may be the public one, not 127.0.0.1).
 */
function demoAccess(config: Config): { headers?: Record<string, string>; httpAgentOptions?: https.AgentOptions } {
  const token = config.auth.ingestTokens[0];
  return {
    headers: token ? { Authorization: `Bearer ${token.token}` } : undefined,
    httpAgentOptions: config.tls ? { ca: fs.readFileSync(config.tls.certFile), checkServerIdentity: () => undefined } : undefined,
  };
}

export async function startEventscope(opts: EventscopeOptions = {}): Promise<Eventscope> {
  const log = opts.log ?? console.log;
  const config = loadConfig(opts.env ?? process.env);
  registerConfig(config);
  const store = await openStore(config);
  registerStore(store);
  const stops: Array<() => Promise<void>> = [() => store.close()];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) {
      await s().catch((err) => log(`[eventscope] while stopping: ${(err as Error)?.message ?? err}`));
    }
  };
  try {
    const collector = await startCollector({ store, config });
    stops.push(() => collector.close());
    // https when TLS is on (for an OTLP/gRPC exporter, an https:// endpoint means TLS too)
    const otlpHttpUrl = `${collector.scheme}://${config.host}:${collector.httpPort}`;
    const otlpGrpcUrl = `${collector.scheme}://${config.host}:${collector.grpcPort}`;
    registerListeners({ otlpHttpUrl, otlpGrpcUrl });

    let uiUrl: string | undefined;
    if (opts.ui !== false) {
      const { default: next } = await import('next');
      // webpack, not Turbopack, in dev too: it maps the code base's `.js` imports to `.ts` files.
      const app = next({ dev: !!opts.dev, webpack: true, dir: ROOT, hostname: config.host, port: config.uiPort, quiet: true });
      await app.prepare();
      // lib/web/server.ts: security headers, authentication, login and /metrics before Next sees a request
      const server = await startDashboardServer({ config, handle: app.getRequestHandler(), dev: !!opts.dev });
      stops.push(async () => {
        await server.close();
        await app.close?.();
      });
      uiUrl = server.url;
      // alerts are evaluated by the process that serves the dashboard, never by collector
      // replicas (`npm run collector`), so one deployment notifies once
      const { startEvaluator } = await import('../lib/alerts/evaluator.js');
      const evaluator = startEvaluator({ store, intervalMs: config.alerts.intervalMs, dashboardUrl: config.alerts.publicUrl ?? server.url, log });
      stops.push(() => evaluator.stop());
    }
    const metricsServer = await startMetricsServer(config);
    if (metricsServer) stops.push(() => metricsServer.close());
    const warning = exposureWarning(config, opts.ui !== false);
    if (warning) log(warning);

    if (opts.demoArgs) {
      const demo = await import('../demo/index.js');
      const running = await demo.startDemo({ ...demo.parseDemoArgs(opts.demoArgs), endpoint: localUrl(otlpHttpUrl) }, { telemetry: demoAccess(config) });
      stops.push(() => running.stop());
    }
    return { config, store, collector, uiUrl, metricsUrl: metricsServer?.url, otlpHttpUrl, otlpGrpcUrl, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
