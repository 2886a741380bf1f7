// The patterns of event-driven design, read from what was observed (DESIGN §6 "Patterns"): event or
// command per message type, call-back or carried state per consumer, who owns a flow, request/reply
// over queues. Pure functions over rows of the hop model (patterns-query.ts fetches them); every
// verdict carries the evidence that decided it and a sentence for a reader who does not know it.

/** One (message type, destination, publisher, consumer group) of the range, from the per-minute state. */
export interface TypeEdgeRow {
  /** the message type, or the destination when the spans name none */
  messageType: string;
  destination: string;
  system: string;
  publisher: string;
  /** '' on a publish row */
  consumerGroup: string;
  consumer: string;
  kind: 'publish' | 'deliver';
  messages: number;
}

/**
 * A message published while another one was being handled: `out` was sent by the consumer of `in`
 * from inside its consumer span, in the same trace (the pathway rule of the hop model).
 */
export interface ChainRow {
  inType: string;
  inPublisher: string;
  inGroup: string;
  /** the service that handled `in` and sent `out` */
  handler: string;
  outType: string;
  outDestination: string;
  /** a consumer service of `out` ('' when nobody consumed it) */
  outConsumer: string;
  messages: number;
}

/** Deliveries to one consumer and how many of them called the publishing service back. */
export interface CallbackRow {
  messageType: string;
  destination: string;
  consumerGroup: string;
  consumer: string;
  publisher: string;
  deliveries: number;
  /** deliveries followed by a sync call from the consumer to the publisher, in the same trace */
  callbacks: number;
}

/** Publishes of one message type and how many carried a correlation (conversation) id. */
export interface CorrelationRow {
  messageType: string;
  publishes: number;
  correlated: number;
}

export interface PatternRows {
  types: TypeEdgeRow[];
  chains: ChainRow[];
  callbacks: CallbackRow[];
  correlations: CorrelationRow[];
}

export const EXPLAIN = {
  event: 'An event states a fact that already happened; the producer does not know or care who listens, so several consumer groups may react to it.',
  command: 'A command asks one handler to do something; exactly one consumer group acts on it, and it often answers with a reply.',
  unclear: 'Neither the name nor the traffic says whether this announces a fact or asks for an action.',
  callback:
    'Event notification with call-back: the event only says that something happened, so the consumer calls the producer back for the details it needs — the two services stay coupled at run time.',
  carriedState:
    'Event-carried state transfer: the event carries the data the consumer needs, so it never calls the producer back and keeps working when the producer is down.',
  orchestrated: 'Orchestration: one service (the orchestrator) sends commands, collects the replies and decides the next step — it owns the flow.',
  choreographed: 'Choreography: each service reacts to the events of the others; no single service owns or sees the whole flow.',
  requestReply:
    'Request/reply over queues: the sender waits for an answer on a reply destination, matched by a correlation id — synchronous coupling over asynchronous transport, the trap that pushes teams towards an orchestrator.',
} as const;

// ——— names ———

/** Words of a message type name: `OrderPlaced`, `order.placed`, `order_placed`, `com.shop.OrderPlaced`. */
export function nameWords(name: string): string[] {
  const last = name.includes('.') && /[A-Z]/.test(name.split('.').pop() ?? '') ? name.split('.').pop()! : name;
  return last
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** Irregular past participles that name facts (`PaymentTaken`, `OrderPaid`). */
const IRREGULAR_PAST = new Set([
  'taken', 'sent', 'paid', 'made', 'built', 'held', 'sold', 'bought', 'given', 'done', 'begun', 'written', 'read',
  'lost', 'found', 'won', 'set', 'put', 'cut', 'run', 'left', 'got', 'gotten', 'shown', 'known', 'chosen', 'frozen',
  'drawn', 'thrown', 'withdrawn', 'spent', 'kept', 'met', 'split', 'shut', 'dealt', 'sunk', 'broken', 'ridden', 'hidden',
]);
/** Verbs that open a command name (`ChargeCard`, `ShipOrder`, `StartCheckout`). */
const IMPERATIVE = new Set([
  'add', 'apply', 'approve', 'assign', 'authorize', 'book', 'calculate', 'cancel', 'capture', 'charge', 'check',
  'close', 'complete', 'confirm', 'create', 'deactivate', 'debit', 'credit', 'delete', 'deliver', 'dispatch', 'do',
  'enqueue', 'execute', 'fetch', 'fulfil', 'fulfill', 'generate', 'get', 'handle', 'import', 'issue', 'make', 'mark',
  'notify', 'open', 'pay', 'place', 'process', 'publish', 'purge', 'query', 'refund', 'register', 'reject', 'release',
  'remove', 'rename', 'request', 'reserve', 'reset', 'resize', 'retry', 'reverse', 'run', 'schedule', 'send', 'set',
  'ship', 'start', 'stop', 'submit', 'sync', 'take', 'trigger', 'update', 'upsert', 'validate', 'verify', 'void',
]);

export type NameShape = 'past-tense' | 'imperative' | 'neither';

/** Whether a name reads as a fact (last word past tense) or an order (first word a verb). */
export function nameShape(name: string): NameShape {
  const words = nameWords(name);
  if (words.length === 0) return 'neither';
  const lastWord = words[words.length - 1]!;
  const past = (lastWord.length > 3 && lastWord.endsWith('ed')) || IRREGULAR_PAST.has(lastWord);
  if (past && words.length > 1) return 'past-tense';
  if (IMPERATIVE.has(words[0]!) && (words.length > 1 || !past)) return 'imperative';
  if (past) return 'past-tense';
  return 'neither';
}

// ——— message types ———

export interface MessageTypePattern {
  messageType: string;
  kind: 'event' | 'command' | 'unclear';
  destinations: string[];
  publishers: string[];
  consumerGroups: string[];
  nameShape: NameShape;
  /** the reply types seen coming back to a publisher of this type from its handler */
  replies: string[];
  messages: number;
  evidence: string[];
  explanation: string;
}

const uniq = (xs: Iterable<string>) => [...new Set(xs)].filter((x) => x !== '').sort();
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Replies: `out` sent by the handler of `in` and consumed by a service that published `in`. */
function repliesOf(rows: PatternRows): Map<string, ChainRow[]> {
  const out = new Map<string, ChainRow[]>();
  for (const c of rows.chains) {
    if (c.inType === c.outType || c.outConsumer === '' || c.outConsumer === c.handler) continue;
    if (c.outConsumer !== c.inPublisher) continue;
    (out.get(c.inType) ?? out.set(c.inType, []).get(c.inType)!).push(c);
  }
  return out;
}

export function classifyMessageTypes(rows: PatternRows): MessageTypePattern[] {
  const byType = new Map<string, TypeEdgeRow[]>();
  for (const t of rows.types) (byType.get(t.messageType) ?? byType.set(t.messageType, []).get(t.messageType)!).push(t);
  const replies = repliesOf(rows);
  const result: MessageTypePattern[] = [];
  for (const [messageType, edges] of byType) {
    const deliver = edges.filter((e) => e.kind === 'deliver');
    const groups = uniq(deliver.map((e) => e.consumerGroup));
    const shape = nameShape(messageType);
    const replyTypes = uniq((replies.get(messageType) ?? []).map((c) => c.outType));
    const evidence: string[] = [];
    let score = 0; // > 0 event, < 0 command
    if (groups.length >= 2) {
      score += 2;
      evidence.push(`fan-out: delivered to ${groups.length} consumer groups (${groups.join(', ')})`);
    } else if (groups.length === 1) {
      score -= 1;
      evidence.push(`one consumer group handles it (${groups[0]})`);
    } else evidence.push('no consumer group received it in this range');
    if (shape === 'past-tense') {
      score += 2;
      evidence.push(`the name "${messageType}" is in the past tense: a fact`);
    } else if (shape === 'imperative') {
      score -= 2;
      evidence.push(`the name "${messageType}" opens with a verb: an order`);
    } else evidence.push(`the name "${messageType}" is neither past tense nor imperative`);
    if (replyTypes.length > 0) {
      score -= 2;
      evidence.push(`its handler replies with ${replyTypes.join(', ')} to the sender`);
    }
    const answers = uniq([...replies.values()].flat().filter((c) => c.outType === messageType).map((c) => c.inType));
    if (answers.length > 0) evidence.push(`it is the reply to ${answers.join(', ')}: it reports what was done`);
    const kind = score > 0 ? 'event' : score < 0 ? 'command' : 'unclear';
    result.push({
      messageType,
      kind,
      destinations: uniq(edges.map((e) => e.destination)),
      publishers: uniq(edges.filter((e) => e.kind === 'publish').map((e) => e.publisher)),
      consumerGroups: groups,
      nameShape: shape,
      replies: replyTypes,
      messages: edges.filter((e) => e.kind === 'publish').reduce((s, e) => s + e.messages, 0),
      evidence,
      explanation: EXPLAIN[kind],
    });
  }
  return result.sort((a, b) => a.messageType.localeCompare(b.messageType));
}

// ——— consumers ———

export interface ConsumerPattern {
  messageType: string;
  destination: string;
  consumerGroup: string;
  consumer: string;
  publisher: string;
  kind: 'notification-with-callback' | 'event-carried-state';
  deliveries: number;
  callbacks: number;
  evidence: string[];
  explanation: string;
}

/** A consumer that calls back after at least this share of its deliveries depends on the call-back. */
export const CALLBACK_SHARE = 0.5;

/** Consumers of events (a command's handler is not notified, it is told): call-back or carried state. */
export function classifyConsumers(rows: PatternRows, types: MessageTypePattern[] = classifyMessageTypes(rows)): ConsumerPattern[] {
  const events = new Set(types.filter((t) => t.kind === 'event').map((t) => t.messageType));
  return rows.callbacks
    .filter((r) => r.deliveries > 0 && r.publisher !== '' && r.publisher !== r.consumer && events.has(r.messageType))
    .map((r) => {
      const share = r.callbacks / r.deliveries;
      const callback = share >= CALLBACK_SHARE;
      const pct = Math.round(share * 100);
      return {
        ...r,
        kind: callback ? ('notification-with-callback' as const) : ('event-carried-state' as const),
        evidence: [
          callback
            ? `${r.callbacks} of ${plural(r.deliveries, 'delivery', 'deliveries')} (${pct}%) were followed by a call from ${r.consumer} to ${r.publisher} in the same trace`
            : r.callbacks === 0
              ? `none of ${plural(r.deliveries, 'delivery', 'deliveries')} was followed by a call from ${r.consumer} back to ${r.publisher}`
              : `only ${r.callbacks} of ${plural(r.deliveries, 'delivery', 'deliveries')} (${pct}%) called ${r.publisher} back`,
        ],
        explanation: callback ? EXPLAIN.callback : EXPLAIN.carriedState,
      };
    })
    .sort((a, b) => a.messageType.localeCompare(b.messageType) || a.consumerGroup.localeCompare(b.consumerGroup) || a.consumer.localeCompare(b.consumer));
}

// ——— request/reply ———

export interface RequestReplyPattern {
  requester: string;
  responder: string;
  requestType: string;
  replyType: string;
  replyDestination: string;
  exchanges: number;
  /** share of the request and reply publishes that carried a correlation id, 0..1 */
  correlatedShare: number;
  evidence: string[];
  explanation: string;
}

export function findRequestReply(rows: PatternRows): RequestReplyPattern[] {
  const corr = new Map(rows.correlations.map((c) => [c.messageType, c]));
  const share = (t: string) => {
    const c = corr.get(t);
    return c && c.publishes > 0 ? c.correlated / c.publishes : 0;
  };
  const pairs = new Map<string, RequestReplyPattern>();
  for (const [requestType, chains] of repliesOf(rows)) {
    for (const c of chains) {
      const key = `${c.outConsumer}\0${c.handler}\0${requestType}\0${c.outType}\0${c.outDestination}`;
      const hit = pairs.get(key);
      if (hit) {
        hit.exchanges += c.messages;
        continue;
      }
      const correlatedShare = Math.round(((share(requestType) + share(c.outType)) / 2) * 1000) / 1000;
      pairs.set(key, {
        requester: c.outConsumer,
        responder: c.handler,
        requestType,
        replyType: c.outType,
        replyDestination: c.outDestination,
        exchanges: c.messages,
        correlatedShare,
        evidence: [],
        explanation: EXPLAIN.requestReply,
      });
    }
  }
  return [...pairs.values()]
    .map((p) => ({
      ...p,
      evidence: [
        `${p.responder} answers ${p.requestType} with ${p.replyType} on ${p.replyDestination}, consumed by ${p.requester} (${plural(p.exchanges, 'exchange')})`,
        p.correlatedShare > 0
          ? `${Math.round(p.correlatedShare * 100)}% of the requests and replies carry a correlation id (messaging.message.conversation_id)`
          : 'no correlation id on the messages: replies are matched only through the trace',
      ],
    }))
    .sort((a, b) => a.requester.localeCompare(b.requester) || a.requestType.localeCompare(b.requestType));
}

// ——— flows ———

export interface FlowPattern {
  /** the entry message types (nothing observed led to them), then the rest, in order of first reach */
  messageTypes: string[];
  entryTypes: string[];
  services: string[];
  kind: 'orchestrated' | 'choreographed';
  /** the orchestrator, for an orchestrated flow */
  owner?: string;
  evidence: string[];
  explanation: string;
}

/**
 * Flows: message types joined by "handling one sent the next" (chains), as connected components.
 * A component in which a service sends commands and collects their replies is orchestrated by it.
 */
export function classifyFlows(rows: PatternRows, types: MessageTypePattern[] = classifyMessageTypes(rows)): FlowPattern[] {
  const kindOf = new Map(types.map((t) => [t.messageType, t.kind]));
  const next = new Map<string, Set<string>>();
  const linked = new Set<string>();
  const add = (a: string, b: string) => {
    (next.get(a) ?? next.set(a, new Set()).get(a)!).add(b);
  };
  for (const c of rows.chains) {
    if (c.inType === c.outType || !kindOf.has(c.inType) || !kindOf.has(c.outType)) continue;
    add(c.inType, c.outType);
    add(c.outType, c.inType);
    linked.add(c.inType).add(c.outType);
  }
  const incoming = new Set(rows.chains.filter((c) => c.inType !== c.outType).map((c) => c.outType));
  const seen = new Set<string>();
  const requestReply = findRequestReply(rows);
  const flows: FlowPattern[] = [];
  for (const start of [...linked].sort()) {
    if (seen.has(start)) continue;
    const members = new Set<string>([start]);
    const queue = [start];
    while (queue.length) for (const n of next.get(queue.shift()!) ?? []) if (!members.has(n)) members.add(n) && queue.push(n);
    for (const m of members) seen.add(m);
    const entryTypes = [...members].filter((m) => !incoming.has(m)).sort();
    // order: depth-first along the chains from the entries, the busiest next step first, so the
    // usual path reads in order and rarer branches follow it
    const forward = new Map<string, Map<string, number>>();
    for (const c of rows.chains) {
      if (!members.has(c.inType) || c.inType === c.outType) continue;
      const m = forward.get(c.inType) ?? forward.set(c.inType, new Map()).get(c.inType)!;
      m.set(c.outType, (m.get(c.outType) ?? 0) + c.messages);
    }
    const ordered: string[] = [];
    const visit = (t: string) => {
      if (ordered.includes(t)) return;
      ordered.push(t);
      for (const [n] of [...(forward.get(t) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) visit(n);
    };
    for (const e of entryTypes.length ? entryTypes : [start]) visit(e);
    for (const m of [...members].sort()) if (!ordered.includes(m)) ordered.push(m);
    const services = uniq(
      rows.types.filter((t) => members.has(t.messageType)).flatMap((t) => [t.publisher, t.consumer]),
    );
    // orchestrator: a service that sent commands of this flow and consumed their replies
    const score = new Map<string, { commands: Set<string>; replies: Set<string> }>();
    for (const rr of requestReply) {
      if (!members.has(rr.requestType) || kindOf.get(rr.requestType) !== 'command') continue;
      const s = score.get(rr.requester) ?? score.set(rr.requester, { commands: new Set(), replies: new Set() }).get(rr.requester)!;
      s.commands.add(rr.requestType);
      s.replies.add(rr.replyType);
    }
    const owner = [...score.entries()].sort((a, b) => b[1].commands.size - a[1].commands.size || a[0].localeCompare(b[0]))[0];
    const events = ordered.filter((t) => kindOf.get(t) === 'event');
    flows.push(
      owner
        ? {
            messageTypes: ordered,
            entryTypes,
            services,
            kind: 'orchestrated',
            owner: owner[0],
            evidence: [
              `${owner[0]} sends the commands ${[...owner[1].commands].sort().join(', ')} and collects the replies ${[...owner[1].replies].sort().join(', ')}`,
            ],
            explanation: EXPLAIN.orchestrated,
          }
        : {
            messageTypes: ordered,
            entryTypes,
            services,
            kind: 'choreographed',
            evidence: [
              `no service sends commands and collects their replies here; ${events.length ? `services react to ${events.join(', ')}` : 'messages follow each other without replies'}`,
            ],
            explanation: EXPLAIN.choreographed,
          },
    );
  }
  return flows;
}

export interface Patterns {
  messageTypes: MessageTypePattern[];
  consumers: ConsumerPattern[];
  flows: FlowPattern[];
  requestReply: RequestReplyPattern[];
}

export function buildPatterns(rows: PatternRows): Patterns {
  const messageTypes = classifyMessageTypes(rows);
  return {
    messageTypes,
    consumers: classifyConsumers(rows, messageTypes),
    flows: classifyFlows(rows, messageTypes),
    requestReply: findRequestReply(rows),
  };
}
