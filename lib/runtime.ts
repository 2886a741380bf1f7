// The process-wide store and configuration for Next.js route handlers. In `npm start` the
// composition root (scripts/eventscope.ts) opens the store and registers both here before Next
// serves a request; route handlers bundled by Next reach the same instances through globalThis.
import { loadConfig, type Config } from './config/index.js';
import { openStore, type Store } from './store/index.js';

const KEY = Symbol.for('eventscope.store');
type Holder = { [KEY]?: Promise<Store> };

export function registerStore(store: Store): void {
  (globalThis as Holder)[KEY] = Promise.resolve(store);
}

/** The registered store; opened from the environment on first use when nothing registered one. */
export function getStore(): Promise<Store> {
  const g = globalThis as Holder;
  g[KEY] ??= openStore(getConfig());
  return g[KEY];
}

const CONFIG = Symbol.for('eventscope.config');
type ConfigHolder = { [CONFIG]?: Config };

export function registerConfig(config: Config): void {
  (globalThis as ConfigHolder)[CONFIG] = config;
}

/** The registered configuration; read from the environment on first use when none was registered. */
export function getConfig(): Config {
  const g = globalThis as ConfigHolder;
  g[CONFIG] ??= loadConfig();
  return g[CONFIG];
}

const LISTENERS = Symbol.for('eventscope.listeners');
type ListenerHolder = { [LISTENERS]?: Listeners };

/** Where this process receives OTLP, when it runs the collector (for help text and /api/health). */
export interface Listeners {
  otlpHttpUrl: string;
  otlpGrpcUrl: string;
}

export function registerListeners(listeners: Listeners): void {
  (globalThis as ListenerHolder)[LISTENERS] = listeners;
}

export function getListeners(): Listeners | undefined {
  return (globalThis as ListenerHolder)[LISTENERS];
}
