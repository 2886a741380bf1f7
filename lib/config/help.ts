// `--help` for the command-line entry points: every environment variable lib/config reads, with
// one line on what it does and its default. The descriptions are typed by the schema's variable
// names, so a variable added to the schema without a line here fails the type check.
import { ENV_VARIABLES, type EnvName } from './index.js';

export const ENV_DESCRIPTIONS: Record<EnvName, string> = {
  EVENTSCOPE_HOST: 'address every listener binds to (beyond 127.0.0.1 without authentication, the start warns)',
  EVENTSCOPE_OTLP_HTTP_PORT: 'OTLP/HTTP receiver port (/v1/traces)',
  EVENTSCOPE_OTLP_GRPC_PORT: 'OTLP/gRPC receiver port',
  PORT: 'dashboard and JSON API port',
  EVENTSCOPE_DATA_DIR: 'embedded store folder (one Eventscope process per folder); also keeps the session secret',
  EVENTSCOPE_MAX_BODY_BYTES: 'largest OTLP request body after decompression, bytes (413 above)',
  EVENTSCOPE_BATCH_MAX_SPANS: 'largest write batch, spans',
  EVENTSCOPE_BATCH_INTERVAL_MS: 'longest a request waits for its batch while an insert runs, ms',
  EVENTSCOPE_QUEUE_MAX_SPANS: 'accepted-but-uncommitted spans before clients get 429',
  EVENTSCOPE_QUEUE_MAX_BYTES: 'accepted-but-uncommitted bytes before clients get 429',
  EVENTSCOPE_RETRY_AFTER_SECONDS: 'Retry-After on 429/503 answers, seconds',
  EVENTSCOPE_TTL_DAYS: 'days spans are kept',
  EVENTSCOPE_MERGE_SELECTOR_BASE: 'how many parts the engine merges at once in the tables a span insert writes (merge_selector_base, 2 to 100; larger rewrites data fewer times, 0 = the engine\'s own policy)',
  EVENTSCOPE_MESSAGE_TYPE_ATTRIBUTE: 'span attribute naming the message type when cloudevents.event_type is absent',
  EVENTSCOPE_MAPPINGS: 'YAML or JSON file mapping your own instrumentation to messaging columns (docs/instrumentations.md)',
  EVENTSCOPE_DEAD_LETTER_PATTERNS: 'comma-separated regular expressions of dead-letter destinations beyond the naming conventions',
  EVENTSCOPE_BUSINESS_KEYS: 'comma-separated attribute names (span or resource) that make a business transaction, e.g. order.id,customer.id; messaging.message.conversation_id always counts',
  EVENTSCOPE_STUCK_P95_MULTIPLIER: 'a business transaction is stuck when its next usual step is later than this many times that step\'s usual p95 time (1 to 1000, default 3)',
  EVENTSCOPE_STUCK_MIN_SECONDS: 'and later than this many seconds at least (0 to 604800, default 60)',
  EVENTSCOPE_STUCK_MIN_SAMPLES: 'transactions that must have completed a flow\'s usual steps before its stuck ones are judged (default 5)',
  EVENTSCOPE_PAIRING_INTERVAL_MS: 'how often the pairing pass pairs new deliveries with their publishes, ms',
  EVENTSCOPE_PAIRING_LATE_WINDOW_MINUTES: 'a producer arriving up to this late still completes its hop, minutes',
  EVENTSCOPE_PAIRING_SETTLE_MS: 'server mode: the pass pairs rows committed at least this long ago, ms',
  EVENTSCOPE_ALERT_INTERVAL_MS: 'how often alert rules are evaluated (by the dashboard process, not `npm run collector`), ms',
  EVENTSCOPE_PUBLIC_URL: 'the dashboard URL as users reach it, for the links in alert notifications (default: its listen address)',
  EVENTSCOPE_INGEST_TOKENS: 'name:token,… — OTLP senders must pass Authorization: Bearer <token> (unset: ingest is open)',
  EVENTSCOPE_API_TOKENS: 'name:token,… — scripts call /api/* and /metrics with Authorization: Bearer <token>',
  EVENTSCOPE_DASHBOARD_PASSWORD: 'turns on the dashboard login page (at least 8 characters)',
  EVENTSCOPE_SESSION_SECRET: 'signs login sessions (at least 32 characters; unset: a random one kept in the data folder)',
  EVENTSCOPE_SESSION_HOURS: 'how long a login lasts, hours',
  EVENTSCOPE_LIVE_INTERVAL_MS: 'how often dashboard pages refresh in place while live is on, ms (500 to 3600000)',
  EVENTSCOPE_AUTH_PROXY_HEADER: 'header carrying the user name from a trusted SSO proxy (e.g. X-WEBAUTH-USER)',
  EVENTSCOPE_AUTH_PROXY_TRUSTED_IPS: 'comma-separated addresses the proxy header is accepted from',
  EVENTSCOPE_TLS_CERT_FILE: 'PEM certificate for HTTPS/TLS on OTLP/HTTP, OTLP/gRPC and the dashboard (with the key file)',
  EVENTSCOPE_TLS_KEY_FILE: 'PEM private key belonging to EVENTSCOPE_TLS_CERT_FILE',
  EVENTSCOPE_METRICS_PORT: 'also serve /metrics on this port, without authentication (for a scraper on a private network)',
  EVENTSCOPE_MAX_DISK_GB: 'disk budget of the store: above it the oldest days are dropped, GB',
  EVENTSCOPE_DISK_CHECK_INTERVAL_MS: 'how often the disk budget is checked, ms',
  EVENTSCOPE_MAX_SPANS_PER_REQUEST: 'spans one export request may carry',
  EVENTSCOPE_MAX_ATTRIBUTES_PER_SPAN: 'attributes kept per span',
  EVENTSCOPE_MAX_ATTRIBUTE_VALUE_LENGTH: 'attribute values longer than this are truncated with a marker, characters',
  EVENTSCOPE_MAX_EVENTS_PER_SPAN: 'events kept per span',
  EVENTSCOPE_MAX_LINKS_PER_SPAN: 'links kept per span',
  CLICKHOUSE_URL: 'use a ClickHouse server (e.g. http://ch:8123) instead of the embedded store',
  CLICKHOUSE_USER: 'ClickHouse server user',
  CLICKHOUSE_PASSWORD: 'ClickHouse server password',
  CLICKHOUSE_DATABASE: 'database holding Eventscope\'s tables',
  CLICKHOUSE_CLUSTER: 'cluster name: DDL runs ON CLUSTER with Replicated and Distributed tables (needs CLICKHOUSE_URL)',
};

/** A variable's default as a user would type it; '' when it has none. */
export function envDefault(name: EnvName): string {
  const parsed = (ENV_VARIABLES[name] as { safeParse(v: unknown): { success: boolean; data?: unknown } }).safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return '';
  const v = parsed.data;
  if (Array.isArray(v)) return v.map(String).join(',');
  return String(v);
}

/** The environment section of --help: one line per variable, `NAME  description (default: …)`. */
export function environmentHelp(): string {
  const names = Object.keys(ENV_VARIABLES) as EnvName[];
  const width = Math.max(...names.map((n) => n.length));
  return names
    .map((n) => {
      const d = envDefault(n);
      return `  ${n.padEnd(width)}  ${ENV_DESCRIPTIONS[n]}${d ? ` (default: ${d})` : ''}`;
    })
    .join('\n');
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Splits argv into the flags a command knows; anything else is a UsageError naming it. Flags in
 * `rest` end the parse: what follows belongs to them (e.g. `--demo` and the demo's own flags).
 */
export function parseFlags(argv: string[], known: readonly string[], rest: readonly string[] = []): { flags: Set<string>; restOf?: { flag: string; args: string[] } } {
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (rest.includes(a)) return { flags, restOf: { flag: a, args: argv.slice(i + 1) } };
    if (a === '-h') flags.add('--help');
    else if (known.includes(a)) flags.add(a);
    else throw new UsageError(`unknown ${a.startsWith('-') ? 'option' : 'argument'} "${a}"; see --help for what the command takes`);
  }
  return { flags };
}
