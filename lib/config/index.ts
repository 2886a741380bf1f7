// Configuration: read and validated in one place, from environment variables, with defaults.
import path from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

/**
 * Comma-separated regular expressions (JavaScript syntax), each matched case-insensitively anywhere
 * in a destination name; anchor with ^…$ for an exact name. Every entry must compile.
 */
const regexList = z.string().transform((raw, ctx) => {
  const out: RegExp[] = [];
  for (const p of raw.split(',').map((x) => x.trim()).filter((x) => x !== '')) {
    try {
      out.push(new RegExp(p, 'i'));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `"${p}" is not a valid regular expression (${(err as Error).message}); entries are separated by commas` });
    }
  }
  return out;
});

/**
 * Named secrets, `name:token,name2:token2`: names say who sends or reads (and are counted), tokens
 * are compared in constant time. Names are plain words; a token is at least 16 characters.
 */
const namedTokens = z.string().transform((raw, ctx) => {
  const out: NamedToken[] = [];
  for (const entry of raw.split(',').map((x) => x.trim()).filter((x) => x !== '')) {
    const colon = entry.indexOf(':');
    const name = colon > 0 ? entry.slice(0, colon).trim() : '';
    const token = colon > 0 ? entry.slice(colon + 1).trim() : '';
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name) || token === '') {
      ctx.addIssue({ code: 'custom', message: `"${entry.slice(0, 80)}" is not name:token (name of letters, digits, _ . -; entries separated by commas)` });
    } else if (token.length < 16) {
      ctx.addIssue({ code: 'custom', message: `the token of "${name}" has ${token.length} characters; use at least 16 (e.g. openssl rand -hex 24)` });
    } else if (out.some((t) => t.name === name)) {
      ctx.addIssue({ code: 'custom', message: `the name "${name}" is given twice` });
    } else {
      out.push({ name, token });
    }
  }
  return out;
});

/** The business key every deployment has (DESIGN §1): messaging's own conversation id. */
export const CONVERSATION_KEY = 'messaging.message.conversation_id';

const ipList = z.string().transform((raw) => raw.split(',').map((x) => x.trim()).filter((x) => x !== ''));

const schema = z.object({
  EVENTSCOPE_HOST: z.string().min(1).default('127.0.0.1'),
  EVENTSCOPE_OTLP_HTTP_PORT: port.default(4318),
  EVENTSCOPE_OTLP_GRPC_PORT: port.default(4317),
  PORT: port.default(3000),
  EVENTSCOPE_DATA_DIR: z.string().min(1).default('./data'),
  EVENTSCOPE_MAX_BODY_BYTES: positiveInt.default(32 * 1024 * 1024),
  EVENTSCOPE_BATCH_MAX_SPANS: positiveInt.default(20_000),
  EVENTSCOPE_BATCH_INTERVAL_MS: positiveInt.default(200),
  EVENTSCOPE_QUEUE_MAX_SPANS: positiveInt.default(60_000), // ≈ 5 KiB per decoded span in memory
  EVENTSCOPE_QUEUE_MAX_BYTES: positiveInt.default(256 * 1024 * 1024),
  EVENTSCOPE_RETRY_AFTER_SECONDS: positiveInt.default(2),
  EVENTSCOPE_TTL_DAYS: positiveInt.max(3650).default(30),
  EVENTSCOPE_MERGE_SELECTOR_BASE: z.coerce
    .number()
    .refine((v) => v === 0 || (v >= 2 && v <= 100), 'must be 0 (the engine\'s own merge policy) or a number from 2 to 100')
    .default(10),
  EVENTSCOPE_MESSAGE_TYPE_ATTRIBUTE: z.string().default(''),
  EVENTSCOPE_MAPPINGS: z.string().optional(),
  EVENTSCOPE_DEAD_LETTER_PATTERNS: regexList.default([]),
  EVENTSCOPE_BUSINESS_KEYS: z
    .string()
    .default('')
    .transform((raw) => raw.split(',').map((x) => x.trim()).filter((x) => x !== ''))
    .pipe(z.array(z.string().max(200, 'an attribute name of at most 200 characters').regex(/^[^\s=]+$/, 'attribute names without spaces or "="'))),
  EVENTSCOPE_STUCK_P95_MULTIPLIER: z.coerce.number().min(1).max(1000).default(3),
  EVENTSCOPE_STUCK_MIN_SECONDS: z.coerce.number().int().min(0).max(7 * 86_400).default(60),
  EVENTSCOPE_STUCK_MIN_SAMPLES: positiveInt.max(100_000).default(5),
  EVENTSCOPE_PAIRING_INTERVAL_MS: positiveInt.max(60_000).default(1_000),
  EVENTSCOPE_PAIRING_LATE_WINDOW_MINUTES: positiveInt.max(24 * 60).default(15),
  EVENTSCOPE_PAIRING_SETTLE_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  EVENTSCOPE_ALERT_INTERVAL_MS: positiveInt.min(100).max(3_600_000).default(15_000),
  EVENTSCOPE_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  // access (issue 10): unset = open, as before
  EVENTSCOPE_INGEST_TOKENS: namedTokens.default([]),
  EVENTSCOPE_API_TOKENS: namedTokens.default([]),
  EVENTSCOPE_DASHBOARD_PASSWORD: z.string().min(8, 'use at least 8 characters').optional(),
  /** signs session cookies; default: a random secret kept in the data folder */
  EVENTSCOPE_SESSION_SECRET: z.string().min(32, 'use at least 32 characters').optional(),
  EVENTSCOPE_SESSION_HOURS: positiveInt.max(24 * 366).default(12),
  EVENTSCOPE_LIVE_INTERVAL_MS: positiveInt.min(500).max(3_600_000).default(5_000),
  /** a trusted SSO proxy's user header (as Grafana's auth proxy), honoured only from the trusted addresses */
  EVENTSCOPE_AUTH_PROXY_HEADER: z.string().regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name').optional(),
  EVENTSCOPE_AUTH_PROXY_TRUSTED_IPS: ipList.default(['127.0.0.1', '::1', '::ffff:127.0.0.1']),
  EVENTSCOPE_TLS_CERT_FILE: z.string().min(1).optional(),
  EVENTSCOPE_TLS_KEY_FILE: z.string().min(1).optional(),
  /** /metrics on its own port (unauthenticated there, for a scraper on a private network); default: beside the API */
  EVENTSCOPE_METRICS_PORT: port.optional(),
  // data that stays and goes (issue 10)
  EVENTSCOPE_MAX_DISK_GB: z.coerce.number().positive().max(1_000_000).optional(),
  EVENTSCOPE_DISK_CHECK_INTERVAL_MS: positiveInt.max(3_600_000).default(30_000),
  // limits on what one client controls, each counted when applied
  EVENTSCOPE_MAX_SPANS_PER_REQUEST: positiveInt.max(10_000_000).default(100_000),
  EVENTSCOPE_MAX_ATTRIBUTES_PER_SPAN: positiveInt.max(100_000).default(256),
  EVENTSCOPE_MAX_ATTRIBUTE_VALUE_LENGTH: positiveInt.max(10_000_000).default(16_384),
  EVENTSCOPE_MAX_EVENTS_PER_SPAN: positiveInt.max(100_000).default(256),
  EVENTSCOPE_MAX_LINKS_PER_SPAN: positiveInt.max(100_000).default(256),
  CLICKHOUSE_URL: z.url({ protocol: /^https?$/ }).optional(),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier (letters, digits, _)')
    .default('eventscope'),
  CLICKHOUSE_CLUSTER: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'must be a plain cluster name')
    .optional(),
});

/** Every variable Eventscope reads, by name, with its parser (help text: lib/config/help.ts). */
export const ENV_VARIABLES = schema.shape;
export type EnvName = keyof typeof ENV_VARIABLES;

export interface NamedToken {
  name: string;
  token: string;
}

export interface Config {
  host: string;
  otlpHttpPort: number;
  otlpGrpcPort: number;
  uiPort: number;
  dataDir: string;
  maxBodyBytes: number;
  batchMaxSpans: number;
  batchIntervalMs: number;
  queueMaxSpans: number;
  queueMaxBytes: number;
  retryAfterSeconds: number;
  ttlDays: number;
  /** the engine's merge_selector_base for the tables a span insert writes (lib/store/merge-policy.ts); 0 = the engine's default */
  mergeSelectorBase: number;
  messageTypeAttribute: string;
  /** the user's instrumentation mapping file (YAML or JSON; collector/profiles/loader.ts reads it at start) */
  mappingsFile?: string;
  /** dead-letter destinations beyond the naming conventions (lib/analysis/dead-letter.ts) */
  deadLetterPatterns: RegExp[];
  /** business transaction keys (attribute names), `messaging.message.conversation_id` always first */
  businessKeys: string[];
  /** a transaction is stuck after max(minMs, multiplier × p95 of the missing step), once a flow has minSamples complete transactions */
  stuck: { multiplier: number; minMs: number; minSamples: number };
  /** the pairing pass (lib/hops/pairing.ts): how often it runs, how late a producer may arrive */
  pairing: { intervalMs: number; lateWindowMs: number; settleMs: number };
  /** the alert evaluator (lib/alerts): how often it runs; the dashboard URL its notifications link to */
  alerts: { intervalMs: number; publicUrl?: string };
  /** who may write spans and read them; every list empty and no password = open */
  auth: {
    ingestTokens: NamedToken[];
    apiTokens: NamedToken[];
    dashboardPassword?: string;
    sessionSecret?: string;
    sessionMs: number;
    proxy?: { header: string; trustedIps: string[] };
  };
  /** certificate and key (PEM file paths) for OTLP/HTTP, OTLP/gRPC and the dashboard */
  tls?: { certFile: string; keyFile: string };
  metricsPort?: number;
  /** the dashboard: how often pages refresh in place while live is on */
  ui: { liveIntervalMs: number };
  /** above this many bytes on disk the oldest days are dropped; undefined = no budget */
  maxDiskBytes?: number;
  diskCheckIntervalMs: number;
  limits: {
    spansPerRequest: number;
    attributesPerSpan: number;
    attributeValueLength: number;
    eventsPerSpan: number;
    linksPerSpan: number;
  };
  store:
    | { mode: 'embedded'; dataDir: string; database: string }
    | { mode: 'server'; url: string; user: string; password: string; database: string; cluster?: string };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.CLICKHOUSE_CLUSTER && !e.CLICKHOUSE_URL) {
    throw new ConfigError('Invalid configuration:\n  CLICKHOUSE_CLUSTER: needs CLICKHOUSE_URL (a cluster is a server deployment)');
  }
  if (!!e.EVENTSCOPE_TLS_CERT_FILE !== !!e.EVENTSCOPE_TLS_KEY_FILE) {
    throw new ConfigError('Invalid configuration:\n  EVENTSCOPE_TLS_CERT_FILE and EVENTSCOPE_TLS_KEY_FILE: set both or neither');
  }
  const dataDir = path.resolve(e.EVENTSCOPE_DATA_DIR);
  return {
    host: e.EVENTSCOPE_HOST,
    otlpHttpPort: e.EVENTSCOPE_OTLP_HTTP_PORT,
    otlpGrpcPort: e.EVENTSCOPE_OTLP_GRPC_PORT,
    uiPort: e.PORT,
    dataDir,
    maxBodyBytes: e.EVENTSCOPE_MAX_BODY_BYTES,
    batchMaxSpans: e.EVENTSCOPE_BATCH_MAX_SPANS,
    batchIntervalMs: e.EVENTSCOPE_BATCH_INTERVAL_MS,
    queueMaxSpans: e.EVENTSCOPE_QUEUE_MAX_SPANS,
    queueMaxBytes: e.EVENTSCOPE_QUEUE_MAX_BYTES,
    retryAfterSeconds: e.EVENTSCOPE_RETRY_AFTER_SECONDS,
    ttlDays: e.EVENTSCOPE_TTL_DAYS,
    mergeSelectorBase: e.EVENTSCOPE_MERGE_SELECTOR_BASE,
    messageTypeAttribute: e.EVENTSCOPE_MESSAGE_TYPE_ATTRIBUTE,
    mappingsFile: e.EVENTSCOPE_MAPPINGS ? path.resolve(e.EVENTSCOPE_MAPPINGS) : undefined,
    deadLetterPatterns: e.EVENTSCOPE_DEAD_LETTER_PATTERNS,
    businessKeys: [...new Set([CONVERSATION_KEY, ...e.EVENTSCOPE_BUSINESS_KEYS])],
    stuck: { multiplier: e.EVENTSCOPE_STUCK_P95_MULTIPLIER, minMs: e.EVENTSCOPE_STUCK_MIN_SECONDS * 1000, minSamples: e.EVENTSCOPE_STUCK_MIN_SAMPLES },
    pairing: {
      intervalMs: e.EVENTSCOPE_PAIRING_INTERVAL_MS,
      lateWindowMs: e.EVENTSCOPE_PAIRING_LATE_WINDOW_MINUTES * 60_000,
      settleMs: e.EVENTSCOPE_PAIRING_SETTLE_MS,
    },
    alerts: { intervalMs: e.EVENTSCOPE_ALERT_INTERVAL_MS, publicUrl: e.EVENTSCOPE_PUBLIC_URL },
    auth: {
      ingestTokens: e.EVENTSCOPE_INGEST_TOKENS,
      apiTokens: e.EVENTSCOPE_API_TOKENS,
      dashboardPassword: e.EVENTSCOPE_DASHBOARD_PASSWORD,
      sessionSecret: e.EVENTSCOPE_SESSION_SECRET,
      sessionMs: e.EVENTSCOPE_SESSION_HOURS * 3_600_000,
      proxy: e.EVENTSCOPE_AUTH_PROXY_HEADER ? { header: e.EVENTSCOPE_AUTH_PROXY_HEADER.toLowerCase(), trustedIps: e.EVENTSCOPE_AUTH_PROXY_TRUSTED_IPS } : undefined,
    },
    tls: e.EVENTSCOPE_TLS_CERT_FILE && e.EVENTSCOPE_TLS_KEY_FILE ? { certFile: path.resolve(e.EVENTSCOPE_TLS_CERT_FILE), keyFile: path.resolve(e.EVENTSCOPE_TLS_KEY_FILE) } : undefined,
    metricsPort: e.EVENTSCOPE_METRICS_PORT,
    ui: { liveIntervalMs: e.EVENTSCOPE_LIVE_INTERVAL_MS },
    maxDiskBytes: e.EVENTSCOPE_MAX_DISK_GB === undefined ? undefined : Math.round(e.EVENTSCOPE_MAX_DISK_GB * 1024 ** 3),
    diskCheckIntervalMs: e.EVENTSCOPE_DISK_CHECK_INTERVAL_MS,
    limits: {
      spansPerRequest: e.EVENTSCOPE_MAX_SPANS_PER_REQUEST,
      attributesPerSpan: e.EVENTSCOPE_MAX_ATTRIBUTES_PER_SPAN,
      attributeValueLength: e.EVENTSCOPE_MAX_ATTRIBUTE_VALUE_LENGTH,
      eventsPerSpan: e.EVENTSCOPE_MAX_EVENTS_PER_SPAN,
      linksPerSpan: e.EVENTSCOPE_MAX_LINKS_PER_SPAN,
    },
    store: e.CLICKHOUSE_URL
      ? {
          mode: 'server',
          url: e.CLICKHOUSE_URL,
          user: e.CLICKHOUSE_USER,
          password: e.CLICKHOUSE_PASSWORD,
          database: e.CLICKHOUSE_DATABASE,
          cluster: e.CLICKHOUSE_CLUSTER,
        }
      : { mode: 'embedded', dataDir, database: e.CLICKHOUSE_DATABASE },
  };
}
