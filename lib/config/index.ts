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
  EVENTSCOPE_MESSAGE_TYPE_ATTRIBUTE: z.string().default(''),
  EVENTSCOPE_DEAD_LETTER_PATTERNS: regexList.default([]),
  EVENTSCOPE_PAIRING_INTERVAL_MS: positiveInt.max(60_000).default(1_000),
  EVENTSCOPE_PAIRING_LATE_WINDOW_MINUTES: positiveInt.max(24 * 60).default(15),
  EVENTSCOPE_PAIRING_SETTLE_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
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
  messageTypeAttribute: string;
  /** dead-letter destinations beyond the naming conventions (lib/analysis/dead-letter.ts) */
  deadLetterPatterns: RegExp[];
  /** the pairing pass (lib/hops/pairing.ts): how often it runs, how late a producer may arrive */
  pairing: { intervalMs: number; lateWindowMs: number; settleMs: number };
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
    messageTypeAttribute: e.EVENTSCOPE_MESSAGE_TYPE_ATTRIBUTE,
    deadLetterPatterns: e.EVENTSCOPE_DEAD_LETTER_PATTERNS,
    pairing: {
      intervalMs: e.EVENTSCOPE_PAIRING_INTERVAL_MS,
      lateWindowMs: e.EVENTSCOPE_PAIRING_LATE_WINDOW_MINUTES * 60_000,
      settleMs: e.EVENTSCOPE_PAIRING_SETTLE_MS,
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
