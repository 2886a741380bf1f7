// Demo options: command-line flags over environment variables over defaults, validated in one place.
// The defaults are chosen so that every Eventscope view has something to show within a minute.

export interface DemoOptions {
  /** OTLP/HTTP base URL of Eventscope (the exporters post to `<endpoint>/v1/traces`) */
  endpoint: string;
  /** amqp:// URL: run the shop over RabbitMQ instead of the in-process Kafka-like broker */
  broker?: string;
  /** orders placed per second */
  rate: number;
  /** share of orders that go through the checkout orchestrator instead of the choreography */
  orchestratedShare: number;
  /** partitions per topic (in-process broker) */
  partitions: number;
  /** probability that a successfully processed message is delivered again (lost commit) */
  duplicateRate: number;
  /** probability that a consumer processes a message after the next one of its partition */
  reorderRate: number;
  /** probability that a payment attempt fails (retried, then dead-lettered) */
  errorRate: number;
  /** redeliveries after a failure before a message goes to the dead-letter topic */
  maxRetries: number;
  /** processing time of the slow consumer (shipping), in ms; its lag grows when rate × this > 1000 */
  slowConsumerMs: number;
  /** seconds after which the stock-alert consumer stops (0: never) */
  stopConsumerAfterS: number;
  /** stop by itself after this many seconds (0: run until stopped) */
  durationS: number;
  /** seed of the fault dice (0: random) */
  seed: number;
  /** how often the span processors export, in ms */
  exportIntervalMs: number;
  /** print a line per second with what the demo did */
  verbose: boolean;
}

export const DEFAULT_DEMO_OPTIONS: DemoOptions = {
  endpoint: 'http://127.0.0.1:4318',
  rate: 5,
  orchestratedShare: 0.3,
  partitions: 3,
  duplicateRate: 0.03,
  reorderRate: 0.05,
  errorRate: 0.1,
  maxRetries: 2,
  slowConsumerMs: 400,
  stopConsumerAfterS: 30,
  durationS: 0,
  seed: 0,
  exportIntervalMs: 500,
  verbose: false,
};

export class DemoArgsError extends Error {
  override name = 'DemoArgsError';
}

type Kind = 'url' | 'amqp' | 'rate' | 'share' | 'int' | 'count' | 'bool';
interface Spec {
  key: keyof DemoOptions;
  env: string;
  kind: Kind;
  min?: number;
  max?: number;
  help: string;
}

const SPECS: Record<string, Spec> = {
  endpoint: { key: 'endpoint', env: 'DEMO_ENDPOINT', kind: 'url', help: 'OTLP/HTTP base URL' },
  broker: { key: 'broker', env: 'DEMO_BROKER', kind: 'amqp', help: 'amqp://user:pass@host:port to use RabbitMQ' },
  rate: { key: 'rate', env: 'DEMO_RATE', kind: 'rate', min: 0.01, max: 10_000, help: 'orders per second' },
  'orchestrated-share': { key: 'orchestratedShare', env: 'DEMO_ORCHESTRATED_SHARE', kind: 'share', help: '0..1' },
  partitions: { key: 'partitions', env: 'DEMO_PARTITIONS', kind: 'int', min: 1, max: 64, help: 'partitions per topic' },
  'duplicate-rate': { key: 'duplicateRate', env: 'DEMO_DUPLICATE_RATE', kind: 'share', help: '0..1' },
  'reorder-rate': { key: 'reorderRate', env: 'DEMO_REORDER_RATE', kind: 'share', help: '0..1' },
  'error-rate': { key: 'errorRate', env: 'DEMO_ERROR_RATE', kind: 'share', help: '0..1' },
  'max-retries': { key: 'maxRetries', env: 'DEMO_MAX_RETRIES', kind: 'count', min: 0, max: 100, help: 'redeliveries before the DLQ' },
  'slow-consumer-ms': { key: 'slowConsumerMs', env: 'DEMO_SLOW_CONSUMER_MS', kind: 'count', min: 0, max: 60_000, help: 'ms per message' },
  'stop-consumer-after': { key: 'stopConsumerAfterS', env: 'DEMO_STOP_CONSUMER_AFTER', kind: 'count', min: 0, max: 86_400, help: 'seconds, 0 = never' },
  duration: { key: 'durationS', env: 'DEMO_DURATION', kind: 'count', min: 0, max: 31_536_000, help: 'seconds, 0 = until stopped' },
  seed: { key: 'seed', env: 'DEMO_SEED', kind: 'count', min: 0, max: 2 ** 32 - 1, help: 'integer, 0 = random' },
  'export-interval-ms': { key: 'exportIntervalMs', env: 'DEMO_EXPORT_INTERVAL_MS', kind: 'count', min: 10, max: 60_000, help: 'ms' },
  verbose: { key: 'verbose', env: 'DEMO_VERBOSE', kind: 'bool', help: 'log progress' },
};

/** Flags that belong to the composition root (`npm start -- --demo …`) and are skipped here. */
const PASS_THROUGH = new Set(['demo', 'dev']);

/**
 * Parses `--name value` / `--name=value` flags, then `DEMO_*` environment variables, over the
 * defaults. Throws DemoArgsError naming every bad input.
 */
export function parseDemoArgs(argv: string[], env: Record<string, string | undefined> = process.env): DemoOptions {
  const raw = new Map<string, { value: string; from: string }>();
  const errors: string[] = [];

  for (const spec of Object.values(SPECS)) {
    const v = env[spec.env];
    if (v !== undefined && v !== '') raw.set(spec.key, { value: v, from: spec.env });
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      errors.push(`unexpected argument "${arg}"`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (PASS_THROUGH.has(name)) continue;
    const spec = SPECS[name];
    if (!spec) {
      errors.push(`unknown flag --${name} (known: ${Object.keys(SPECS).map((k) => `--${k}`).join(', ')})`);
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (spec.kind === 'bool') value = 'true';
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) value = argv[++i];
    if (value === undefined) {
      errors.push(`--${name} needs a value (${spec.help})`);
      continue;
    }
    raw.set(spec.key, { value, from: `--${name}` });
  }

  const out: DemoOptions = { ...DEFAULT_DEMO_OPTIONS };
  for (const spec of Object.values(SPECS)) {
    const r = raw.get(spec.key);
    if (!r) continue;
    const parsed = parseValue(spec, r.value);
    if (typeof parsed === 'string' && parsed.startsWith('!')) errors.push(`${r.from}: ${parsed.slice(1)} (got "${r.value}")`);
    else (out as unknown as Record<string, unknown>)[spec.key] = parsed;
  }
  if (errors.length) throw new DemoArgsError(`Invalid demo options:\n${errors.map((e) => `  ${e}`).join('\n')}`);
  out.endpoint = out.endpoint.replace(/\/+$/, '').replace(/\/v1\/traces$/, '');
  return out;
}

/** Returns the parsed value, or a string starting with '!' describing the problem. */
function parseValue(spec: Spec, value: string): unknown {
  switch (spec.kind) {
    case 'url':
    case 'amqp': {
      let u: URL;
      try {
        u = new URL(value);
      } catch {
        return '!not a URL';
      }
      const ok = spec.kind === 'url' ? ['http:', 'https:'] : ['amqp:', 'amqps:'];
      if (!ok.includes(u.protocol)) return `!must start with ${ok.map((p) => `${p}//`).join(' or ')}`;
      return value;
    }
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(value)) return true;
      if (/^(0|false|no|off)$/i.test(value)) return false;
      return '!must be true or false';
    default: {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) return '!must be a number';
      if (spec.kind === 'share' && (n < 0 || n > 1)) return '!must be between 0 and 1';
      if ((spec.kind === 'int' || spec.kind === 'count') && !Number.isInteger(n)) return '!must be a whole number';
      if (spec.min !== undefined && n < spec.min) return `!must be at least ${spec.min}`;
      if (spec.max !== undefined && n > spec.max) return `!must be at most ${spec.max}`;
      return n;
    }
  }
}

export function demoUsage(): string {
  const lines = Object.entries(SPECS).map(([flag, s]) => {
    const def = DEFAULT_DEMO_OPTIONS[s.key];
    return `  --${flag.padEnd(22)} ${s.env.padEnd(26)} ${s.help}${def !== undefined ? ` (default ${String(def)})` : ''}`;
  });
  return `Usage: npm run demo -- [flags]   (flag, environment variable, meaning)\n${lines.join('\n')}`;
}
