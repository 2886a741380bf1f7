// Alert rules (issue 12): what a rule watches, how its input is validated (zod, one precise
// message per problem), and the words the page and the notifications use for it. Pure: no I/O.
import { z } from 'zod';
import { LAG_STATUSES, type LagStatus } from '../domain.js';

/** What a rule measures. Each kind is evaluated per instance (see INSTANCE_OF). */
export const ALERT_KINDS = ['consumer_status', 'lag_age', 'backlog', 'duplicate_rate', 'error_rate', 'no_traffic'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const COMPARISONS = ['>', '>=', '<', '<='] as const;
export type Comparison = (typeof COMPARISONS)[number];

/** What one instance of a rule is: a consumer group on a destination, a destination, or a service. */
export const SUBJECTS = ['consumerGroup', 'destination', 'service'] as const;
export type Subject = (typeof SUBJECTS)[number];

/** The subjects each kind can watch (the first is its default). */
export const KIND_SUBJECTS: Record<AlertKind, readonly Subject[]> = {
  consumer_status: ['consumerGroup'],
  lag_age: ['consumerGroup'],
  backlog: ['consumerGroup'],
  duplicate_rate: ['consumerGroup'],
  error_rate: ['consumerGroup', 'service'],
  no_traffic: ['consumerGroup', 'destination', 'service'],
};

export const KIND_LABEL: Record<AlertKind, string> = {
  consumer_status: 'consumer group status',
  lag_age: 'lag age',
  backlog: 'backlog',
  duplicate_rate: 'duplicate-after-success rate',
  error_rate: 'error rate',
  no_traffic: 'no traffic',
};

/** Unit of the measured value (and of the threshold). */
export const KIND_UNIT: Record<AlertKind, string> = {
  consumer_status: '',
  lag_age: 's',
  backlog: 'messages',
  duplicate_rate: '%',
  error_rate: '%',
  no_traffic: 'messages',
};

export const KIND_HELP: Record<AlertKind, string> = {
  consumer_status: 'fires while the Burrow-style status of a consumer group (as the lag page shows it) is one of the chosen statuses',
  lag_age: 'age in seconds of the oldest message published but not yet delivered to the group',
  backlog: 'messages published but not yet delivered to the group',
  duplicate_rate: 'second deliveries after a successful one, in % of the deliveries over the window',
  error_rate: 'failed deliveries of a group (or failed spans of a service), in % over the window',
  no_traffic: 'fires when a destination, consumer group or service seen recently has no messages at all over the window',
};

/** Kinds measured over a window of recent minutes (the lag kinds use the lag page's 15-minute status window). */
export const WINDOWED_KINDS: readonly AlertKind[] = ['duplicate_rate', 'error_rate', 'no_traffic'];
/** Kinds compared with a threshold (consumer_status matches statuses, no_traffic means zero). */
export const THRESHOLD_KINDS: readonly AlertKind[] = ['lag_age', 'backlog', 'duplicate_rate', 'error_rate'];

export const MAX_DURATION_S = 86_400;
export const DEFAULT_WINDOW_S = 300;
export const MAX_NAME = 200;
export const MAX_SCOPE = 1024;

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration as seconds (a number) or `<n>s|m|h|d` (e.g. "2m"). */
const duration = (min: number) =>
  z
    .union([z.number(), z.string()], { error: 'expected seconds (a number) or a duration like 90s, 2m, 1h' })
    .transform((v, ctx) => {
      let s: number;
      if (typeof v === 'number') s = v;
      else {
        const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$/.exec(v);
        if (!m) {
          ctx.addIssue({ code: 'custom', message: `expected a duration like 90s, 2m, 1h, got ${JSON.stringify(v.slice(0, 40))}` });
          return z.NEVER;
        }
        s = Number(m[1]) * UNIT_S[m[2] ?? 's']!;
      }
      if (!Number.isFinite(s) || s < min || s > MAX_DURATION_S) {
        ctx.addIssue({ code: 'custom', message: `must be between ${min}s and ${MAX_DURATION_S}s (24h), got ${String(v).slice(0, 40)}` });
        return z.NEVER;
      }
      return Math.round(s);
    });

const scopeName = z.string().trim().min(1, 'must not be empty (leave it out to watch every one)').max(MAX_SCOPE, `at most ${MAX_SCOPE} characters`);

const webhookUrl = z
  .string()
  .max(2048, 'at most 2048 characters')
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }));

/** A rule as a client sends it (POST /api/alerts, PUT /api/alerts/:id). */
export const ruleInputSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(MAX_NAME, `at most ${MAX_NAME} characters`),
    kind: z.enum(ALERT_KINDS, { error: `must be one of ${ALERT_KINDS.join(', ')}` }),
    subject: z.enum(SUBJECTS, { error: `must be one of ${SUBJECTS.join(', ')}` }).optional(),
    scope: z
      .object({ destination: scopeName.optional(), consumerGroup: scopeName.optional(), service: scopeName.optional() })
      .strict()
      .default({}),
    statuses: z.array(z.enum(LAG_STATUSES, { error: `must be one of ${LAG_STATUSES.join(', ')}` })).min(1, 'choose at least one status').optional(),
    comparison: z.enum(COMPARISONS, { error: `must be one of ${COMPARISONS.join(' ')}` }).optional(),
    threshold: z.number({ error: 'must be a number' }).finite('must be a finite number').min(0, 'must be at least 0').max(1e12, 'must be at most 1e12').optional(),
    for: duration(0).default(0),
    window: duration(60).optional(),
    webhook: z
      .object({ url: webhookUrl, format: z.enum(['json', 'slack'], { error: 'must be json or slack' }).default('json') })
      .strict(),
    enabled: z.boolean({ error: 'must be true or false' }).default(true),
  })
  .strict()
  .superRefine((r, ctx) => {
    const subjects = KIND_SUBJECTS[r.kind];
    const subject = r.subject ?? subjects[0]!;
    if (!subjects.includes(subject)) {
      ctx.addIssue({ code: 'custom', path: ['subject'], message: `${r.kind} watches ${subjects.join(' or ')}, not ${subject}` });
    }
    if (subject === 'service' && (r.scope.destination !== undefined || r.scope.consumerGroup !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['scope'], message: 'a rule on services is scoped by service only' });
    }
    if (subject !== 'service' && r.scope.service !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['scope', 'service'], message: `a rule on ${subject === 'destination' ? 'destinations' : 'consumer groups'} is scoped by destination${subject === 'destination' ? '' : ' and consumer group'}` });
    }
    if (subject === 'destination' && r.scope.consumerGroup !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['scope', 'consumerGroup'], message: 'a rule on destinations is scoped by destination only' });
    }
    if (r.kind === 'consumer_status') {
      if (r.statuses === undefined) ctx.addIssue({ code: 'custom', path: ['statuses'], message: `required for consumer_status: the statuses that fire (${LAG_STATUSES.join(', ')})` });
    } else if (r.statuses !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['statuses'], message: 'only consumer_status rules take statuses' });
    }
    if (THRESHOLD_KINDS.includes(r.kind)) {
      if (r.threshold === undefined) ctx.addIssue({ code: 'custom', path: ['threshold'], message: `required for ${r.kind}` });
      if ((r.kind === 'duplicate_rate' || r.kind === 'error_rate') && r.threshold !== undefined && r.threshold > 100) {
        ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'a rate is a percentage: at most 100' });
      }
    } else {
      if (r.threshold !== undefined) ctx.addIssue({ code: 'custom', path: ['threshold'], message: `${r.kind} takes no threshold` });
      if (r.comparison !== undefined) ctx.addIssue({ code: 'custom', path: ['comparison'], message: `${r.kind} takes no comparison` });
    }
    if (!WINDOWED_KINDS.includes(r.kind) && r.window !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['window'], message: `${r.kind} is read over the lag status window (15 minutes) and takes no window` });
    }
  })
  .transform((r) => {
    const subject = r.subject ?? KIND_SUBJECTS[r.kind][0]!;
    const scope = Object.fromEntries(Object.entries(r.scope).filter(([, v]) => v !== undefined)) as Scope;
    return {
      name: r.name,
      kind: r.kind,
      subject,
      scope,
      ...(r.kind === 'consumer_status' ? { statuses: [...new Set(r.statuses)] as LagStatus[] } : {}),
      ...(THRESHOLD_KINDS.includes(r.kind) ? { comparison: r.comparison ?? ('>' as Comparison), threshold: r.threshold! } : {}),
      forSeconds: r.for,
      ...(WINDOWED_KINDS.includes(r.kind) ? { windowSeconds: r.window ?? DEFAULT_WINDOW_S } : {}),
      webhook: r.webhook,
      enabled: r.enabled,
    } satisfies RuleSpec;
  });

export interface Scope {
  destination?: string;
  consumerGroup?: string;
  service?: string;
}

/** A validated rule without its identity. */
export interface RuleSpec {
  name: string;
  kind: AlertKind;
  subject: Subject;
  /** what is left out matches every one */
  scope: Scope;
  statuses?: LagStatus[];
  comparison?: Comparison;
  threshold?: number;
  /** the condition must hold this long before the rule fires (0: at once) */
  forSeconds: number;
  windowSeconds?: number;
  webhook: { url: string; format: 'json' | 'slack' };
  enabled: boolean;
}

export interface AlertRule extends RuleSpec {
  id: string;
  createdAt: string;
  updatedAt: string;
}

export type RuleInput = z.input<typeof ruleInputSchema>;

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** Validates a client's rule: the rule, or one message per problem (`field.path: what is wrong`). */
export function validateRule(input: unknown): Validated<RuleSpec> {
  const r = ruleInputSchema.safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  return {
    ok: false,
    errors: r.error.issues.map((i) => {
      const where = i.path.length ? i.path.join('.') : 'body';
      // zod names an unknown key in the message; say which object it sits in
      return `${where}: ${i.message}`;
    }),
  };
}

/** The measured value compared with the rule's threshold. */
export function compare(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

/** "backlog > 100 messages for 2m" — the rule's condition in words. */
export function describeCondition(r: RuleSpec): string {
  const forText = r.forSeconds > 0 ? ` for ${formatSeconds(r.forSeconds)}` : '';
  const windowText = r.windowSeconds ? ` over ${formatSeconds(r.windowSeconds)}` : '';
  switch (r.kind) {
    case 'consumer_status':
      return `status is ${r.statuses!.join(' or ')}${forText}`;
    case 'no_traffic':
      return `no messages${windowText}${forText}`;
    default: {
      const unit = KIND_UNIT[r.kind];
      return `${KIND_LABEL[r.kind]}${windowText} ${r.comparison} ${r.threshold}${unit === '%' || unit === 's' ? unit : ` ${unit}`}${forText}`;
    }
  }
}

export function formatSeconds(s: number): string {
  if (s % 3600 === 0 && s > 0) return `${s / 3600}h`;
  if (s % 60 === 0 && s > 0) return `${s / 60}m`;
  return `${s}s`;
}
