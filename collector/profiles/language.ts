// The mapping language of instrumentation profiles (DESIGN §4): how a library's own span shape maps
// to Eventscope's normalized messaging columns. A profile is plain data (collector/profiles/<library>.ts
// or a user's EVENTSCOPE_MAPPINGS file); compileProfiles() turns a list of them into the matcher the
// normalizer runs on the ingest hot path: an index by instrumentation scope name, so a span of any
// other scope costs one Map lookup.
import { z } from 'zod';

/** Where a value comes from: an attribute name (shorthand), or one of these; a list = first found wins. */
export const sourceSchema = z.union([
  z.string().min(1),
  z
    .object({ attribute: z.string().min(1) })
    .strict(),
  z
    .object({ spanName: z.string().min(1).describe('a regular expression; its first capture group is the value') })
    .strict(),
  z.object({ value: z.string() }).strict(),
  z
    .object({
      template: z
        .string()
        .regex(/\{[^{}]+\}/, 'names at least one {attribute}')
        .describe('attributes in braces, e.g. "{ns} {event}"; empty when one of them is absent or empty'),
    })
    .strict(),
]);
export type Source = z.infer<typeof sourceSchema>;
const field = z.union([sourceSchema, z.array(sourceSchema).min(1)]);

const condition = z.object({ attribute: z.string().min(1), in: z.array(z.string()).min(1).optional() }).strict();

const operationName = z.enum(['create', 'send', 'receive', 'process', 'settle', 'housekeeping', 'ignore']);

export const profileSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    /** which spans the profile reads: any of these scope names, or spans carrying this attribute */
    match: z
      .object({ scopes: z.array(z.string().min(1)).min(1).optional(), attribute: z.string().min(1).optional() })
      .strict()
      .refine((m) => m.scopes !== undefined || m.attribute !== undefined, 'needs scopes or attribute'),
    /** messaging.system value written for the matched spans */
    system: z.string().min(1),
    /**
     * The operation: `from` names the library's own operation value, `values` maps it to a normalized
     * operation, `housekeeping` (the library's own bookkeeping: timers, stalled-job checks, closing) or
     * `ignore` (not a messaging span). Unmapped values fall back to the span kind (PRODUCER → send,
     * CONSUMER → process); anything else is not a messaging span.
     */
    operation: z
      .object({ from: field, values: z.record(z.string(), operationName) })
      .strict()
      .optional(),
    destination: field.optional(),
    messageId: field.optional(),
    consumerGroup: field.optional(),
    key: field.optional(),
    messageType: field.optional(),
    conversationId: field.optional(),
    partition: field.optional(),
    /** the library's attempt counter: a delivery whose attempt is above `first` is a redelivery */
    attempt: z.object({ from: field, first: z.number().int().min(0).default(1) }).strict().optional(),
    /**
     * Attribute conditions that make a span housekeeping whatever its operation (an empty long-poll
     * receive, say): each `{ attribute, in? }` matches when the attribute is one of `in` (any
     * non-empty value without `in`).
     */
    housekeeping: z.array(condition).min(1).optional(),
    /** a flag the library sets on a redelivery ('true' or '1') */
    redelivered: field.optional(),
    /** a failed attempt however the library reports it, beside status ERROR and an `exception` event */
    failure: z
      .object({
        events: z.array(z.string().min(1)).optional(),
        attributes: z.array(condition).optional(),
        /** where the failure's reason is (the failure event's attributes first, then the span's) */
        reason: z.array(z.string().min(1)).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type Profile = z.input<typeof profileSchema>;
export type NormalizedOperation = z.infer<typeof operationName>;

/** An attribute condition: present and non-empty, or one of `in`. */
export interface Condition {
  attribute: string;
  in?: ReadonlySet<string>;
}

/** The first condition the attributes meet, else undefined. */
export function firstMet(conditions: readonly Condition[], attrs: Record<string, string>): Condition | undefined {
  for (const c of conditions) {
    const v = attrs[c.attribute];
    if (v !== undefined && v !== '' && (c.in === undefined || c.in.has(v))) return c;
  }
  return undefined;
}

const compileConditions = (list: { attribute: string; in?: string[] }[]): Condition[] =>
  list.map((a) => ({ attribute: a.attribute, in: a.in ? new Set(a.in) : undefined }));

/** A compiled value source: reads one value from a span. */
type Read = (attrs: Record<string, string>, spanName: string) => string;

export interface CompiledProfile {
  name: string;
  system: string;
  operation?: { read: Read; values: Record<string, NormalizedOperation> };
  destination?: Read;
  messageId?: Read;
  consumerGroup?: Read;
  key?: Read;
  messageType?: Read;
  conversationId?: Read;
  partition?: Read;
  attempt?: { read: Read; first: number };
  redelivered?: Read;
  housekeeping?: Condition[];
  failure?: {
    events: ReadonlySet<string>;
    attributes: Condition[];
    reason: readonly string[];
  };
}

export interface ProfileSet {
  /** profiles by instrumentation scope name */
  byScope: ReadonlyMap<string, CompiledProfile>;
  /** profiles matched by a marker attribute, tried only for spans of a scope no profile names */
  byAttribute: readonly { attribute: string; profile: CompiledProfile }[];
  /** every profile, in order (for docs and tests) */
  profiles: readonly CompiledProfile[];
}

function compileSource(s: Source): Read {
  if (typeof s === 'string') return (a) => a[s] ?? '';
  if ('attribute' in s) {
    const name = s.attribute;
    return (a) => a[name] ?? '';
  }
  if ('spanName' in s) {
    const re = new RegExp(s.spanName);
    return (_a, spanName) => re.exec(spanName)?.[1] ?? '';
  }
  if ('template' in s) {
    // literal text and attribute names alternate: ['', 'ns', ' ', 'event', '']
    const parts = s.template.split(/\{([^{}]+)\}/);
    return (a) => {
      let out = '';
      for (let i = 0; i < parts.length; i++) {
        if (i % 2 === 0) out += parts[i];
        else {
          const v = a[parts[i]!];
          if (v === undefined || v === '') return '';
          out += v;
        }
      }
      return out;
    };
  }
  const v = s.value;
  return () => v;
}

function compileField(f: Source | Source[] | undefined): Read | undefined {
  if (f === undefined) return undefined;
  const reads = (Array.isArray(f) ? f : [f]).map(compileSource);
  if (reads.length === 1) return reads[0];
  return (a, n) => {
    for (const r of reads) {
      const v = r(a, n);
      if (v !== '') return v;
    }
    return '';
  };
}

/** Checks every regular expression of a profile; returns the first bad one's message, else ''. */
export function regexProblem(p: z.infer<typeof profileSchema>): string {
  const fields = [p.operation?.from, p.destination, p.messageId, p.consumerGroup, p.key, p.messageType, p.conversationId, p.partition, p.attempt?.from, p.redelivered];
  for (const f of fields) {
    for (const s of f === undefined ? [] : Array.isArray(f) ? f : [f]) {
      if (typeof s === 'object' && 'spanName' in s) {
        try {
          new RegExp(s.spanName);
        } catch (err) {
          return `spanName ${JSON.stringify(s.spanName)} is not a regular expression: ${(err as Error).message}`;
        }
      }
    }
  }
  return '';
}

export function compileProfile(input: Profile): CompiledProfile {
  const p = profileSchema.parse(input);
  return {
    name: p.name,
    system: p.system,
    operation: p.operation ? { read: compileField(p.operation.from)!, values: p.operation.values } : undefined,
    destination: compileField(p.destination),
    messageId: compileField(p.messageId),
    consumerGroup: compileField(p.consumerGroup),
    key: compileField(p.key),
    messageType: compileField(p.messageType),
    conversationId: compileField(p.conversationId),
    partition: compileField(p.partition),
    attempt: p.attempt ? { read: compileField(p.attempt.from)!, first: p.attempt.first } : undefined,
    redelivered: compileField(p.redelivered),
    housekeeping: p.housekeeping ? compileConditions(p.housekeeping) : undefined,
    failure: p.failure
      ? {
          events: new Set(p.failure.events ?? []),
          attributes: compileConditions(p.failure.attributes ?? []),
          reason: p.failure.reason ?? [],
        }
      : undefined,
  };
}

/**
 * Compiles profiles into one set. A later profile for the same scope replaces an earlier one, so a
 * user's mapping file can override a shipped profile.
 */
export function compileProfiles(list: readonly Profile[]): ProfileSet {
  const byScope = new Map<string, CompiledProfile>();
  const byAttribute: { attribute: string; profile: CompiledProfile }[] = [];
  const profiles: CompiledProfile[] = [];
  for (const input of list) {
    const compiled = compileProfile(input);
    profiles.push(compiled);
    for (const scope of input.match.scopes ?? []) byScope.set(scope, compiled);
    if (input.match.attribute) {
      const i = byAttribute.findIndex((b) => b.attribute === input.match.attribute);
      if (i >= 0) byAttribute.splice(i, 1);
      byAttribute.push({ attribute: input.match.attribute, profile: compiled });
    }
  }
  return { byScope, byAttribute, profiles };
}

/** The profile that reads this span, if any: by scope name, else by a marker attribute. */
export function matchProfile(set: ProfileSet, scopeName: string, attrs: Record<string, string>): CompiledProfile | undefined {
  const byScope = set.byScope.get(scopeName);
  if (byScope !== undefined) return byScope;
  const marked = set.byAttribute;
  for (let i = 0; i < marked.length; i++) {
    if (attrs[marked[i]!.attribute] !== undefined) return marked[i]!.profile;
  }
  return undefined;
}
