// What was observed, exported (issue 13): the flow map as Mermaid flowchart source (services as
// nodes, message types on the edges, each orchestrated flow in its own subgraph) and as an AsyncAPI
// 3.0 document of the observed channels and operations. Pure functions over the pattern rows.
import type { CallRow } from './graph.js';
import type { MessageTypePattern, PatternRows, Patterns } from './patterns.js';

export interface ExportInput {
  rows: PatternRows;
  patterns: Patterns;
  calls: CallRow[];
  range: { from: string; to: string };
}

/** Text inside a quoted Mermaid label: quotes, entity starts and angle brackets as entity codes. */
export function mermaidText(s: string): string {
  return s
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/[|`]/g, (c) => `#${c.charCodeAt(0)};`);
}

export function toMermaid({ rows, patterns, calls, range }: ExportInput): string {
  const ids = new Map<string, string>();
  const node = (name: string, prefix: 's' | 'd') => {
    const key = `${prefix}:${name}`;
    if (!ids.has(key)) ids.set(key, `${prefix}${ids.size}`);
    return ids.get(key)!;
  };
  const kindOf = new Map(patterns.messageTypes.map((t) => [t.messageType, t.kind]));
  // service → service edges from deliveries; a published type nobody consumed ends at its destination
  const edges = new Map<string, { from: string; to: string; types: Set<string> }>();
  const consumedAt = new Set(rows.types.filter((t) => t.kind === 'deliver').map((t) => `${t.messageType}\0${t.destination}`));
  const services = new Set<string>();
  const destinations = new Set<string>();
  const addEdge = (from: string, to: string, type: string) => {
    const k = `${from}\0${to}`;
    (edges.get(k) ?? edges.set(k, { from, to, types: new Set() }).get(k)!).types.add(type);
  };
  for (const t of rows.types) {
    if (t.kind === 'deliver' && t.publisher && t.consumer) {
      services.add(t.publisher).add(t.consumer);
      addEdge(`s:${t.publisher}`, `s:${t.consumer}`, t.messageType);
    } else if (t.kind === 'publish' && t.publisher && !consumedAt.has(`${t.messageType}\0${t.destination}`)) {
      services.add(t.publisher);
      destinations.add(t.destination);
      addEdge(`s:${t.publisher}`, `d:${t.destination}`, t.messageType);
    }
  }
  const callPairs = new Set<string>();
  for (const c of calls) {
    if (!c.target || c.target === c.service) continue;
    services.add(c.service).add(c.target);
    callPairs.add(`${c.service}\0${c.target}`);
  }
  // an orchestrated flow's subgraph holds its owner and the services whose every message type is
  // the flow's (a node sits in one subgraph; a service that also takes part elsewhere stays outside)
  const typesOf = new Map<string, Set<string>>();
  for (const t of rows.types) for (const s of [t.publisher, t.consumer]) if (s) (typesOf.get(s) ?? typesOf.set(s, new Set()).get(s)!).add(t.messageType);
  const inSubgraph = new Map<string, number>();
  patterns.flows.forEach((f, i) => {
    if (f.kind !== 'orchestrated') return;
    const own = new Set(f.messageTypes);
    for (const s of f.services) if ((s === f.owner || [...(typesOf.get(s) ?? [])].every((t) => own.has(t))) && !inSubgraph.has(s)) inSubgraph.set(s, i);
  });
  const label = (kind: 's' | 'd', name: string) => `${node(name, kind)}["${mermaidText(name)}"]`;
  const lines = [
    `%% Eventscope flow map, observed ${range.from} – ${range.to}`,
    '%% services as nodes, message types on the edges (solid: messages, dotted: sync calls)',
    'flowchart LR',
  ];
  for (const s of [...services].sort()) if (!inSubgraph.has(s)) lines.push(`  ${label('s', s)}`);
  for (const d of [...destinations].sort()) lines.push(`  ${node(d, 'd')}[("${mermaidText(d)}")]`);
  patterns.flows.forEach((f, i) => {
    if (f.kind !== 'orchestrated') return;
    const members = [...inSubgraph.entries()].filter(([, j]) => j === i).map(([s]) => s).sort();
    if (members.length === 0) return;
    lines.push(`  subgraph flow${i}["${mermaidText(`orchestrated by ${f.owner}: ${f.messageTypes.join(' → ')}`)}"]`);
    for (const s of members) lines.push(`    ${label('s', s)}`);
    lines.push('  end');
  });
  const typeLabel = (t: string) => (kindOf.get(t) === 'command' ? `${t} (command)` : t);
  for (const e of [...edges.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to))) {
    const from = ids.get(e.from) ?? node(e.from.slice(2), 's');
    const to = ids.get(e.to) ?? node(e.to.slice(2), e.to.startsWith('d:') ? 'd' : 's');
    lines.push(`  ${from} -->|"${mermaidText([...e.types].sort().map(typeLabel).join(', '))}"| ${to}`);
  }
  for (const p of [...callPairs].sort()) {
    const [a, b] = p.split('\0') as [string, string];
    lines.push(`  ${node(a, 's')} -.->|"sync call"| ${node(b, 's')}`);
  }
  return `${lines.join('\n')}\n`;
}

// ——— AsyncAPI ———

/** An AsyncAPI component key: [A-Za-z0-9._-], unique within its map. */
function keyer() {
  const used = new Map<string, string>();
  const taken = new Set<string>();
  return (name: string) => {
    const hit = used.get(name);
    if (hit) return hit;
    const base = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'unnamed';
    let key = base;
    for (let i = 2; taken.has(key); i++) key = `${base}_${i}`;
    taken.add(key);
    used.set(name, key);
    return key;
  };
}

const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

export function toAsyncApi({ rows, patterns, range }: ExportInput): Record<string, unknown> {
  const typeInfo = new Map<string, MessageTypePattern>(patterns.messageTypes.map((t) => [t.messageType, t]));
  const channelKey = keyer();
  const operationKey = keyer();
  const channels: Record<string, { address: string; title: string; messages: Record<string, unknown>; 'x-eventscope-system'?: string }> = {};
  const messageKeys = new Map<string, ReturnType<typeof keyer>>();
  const operations: Record<string, { action: 'send' | 'receive'; channel: { $ref: string }; messages: Array<{ $ref: string }>; title: string; summary: string; 'x-eventscope-service': string; 'x-eventscope-consumer-group'?: string }> = {};
  const sorted = [...rows.types].sort(
    (a, b) => a.destination.localeCompare(b.destination) || a.messageType.localeCompare(b.messageType) || a.kind.localeCompare(b.kind),
  );
  for (const t of sorted) {
    const ch = channelKey(t.destination);
    const channel = (channels[ch] ??= { address: t.destination, title: t.destination, messages: {}, ...(t.system ? { 'x-eventscope-system': t.system } : {}) });
    const mk = (messageKeys.get(ch) ?? messageKeys.set(ch, keyer()).get(ch)!)(t.messageType);
    const info = typeInfo.get(t.messageType);
    channel.messages[mk] ??= {
      name: t.messageType,
      title: t.messageType,
      summary: info ? `${info.kind === 'unclear' ? 'message' : info.kind}: ${info.evidence[0] ?? ''}` : 'message',
      'x-eventscope-kind': info?.kind ?? 'unclear',
    };
    const service = t.kind === 'publish' ? t.publisher : t.consumer;
    if (!service) continue;
    const action = t.kind === 'publish' ? 'send' : 'receive';
    const opName = `${service}.${action}.${t.destination}${t.kind === 'deliver' ? `.${t.consumerGroup}` : ''}`;
    const op = (operations[operationKey(opName)] ??= {
      action,
      channel: { $ref: `#/channels/${pointer(ch)}` },
      messages: [],
      title: `${service} ${action === 'send' ? 'sends to' : 'receives from'} ${t.destination}`,
      summary: action === 'send' ? `observed publishing to ${t.destination}` : `observed consuming ${t.destination} as consumer group ${t.consumerGroup}`,
      'x-eventscope-service': service,
      ...(t.kind === 'deliver' ? { 'x-eventscope-consumer-group': t.consumerGroup } : {}),
    });
    const ref = `#/channels/${pointer(ch)}/messages/${pointer(mk)}`;
    if (!op.messages.some((m) => m.$ref === ref)) op.messages.push({ $ref: ref });
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Observed event flows',
      version: '1.0.0',
      description: `Channels and operations Eventscope observed from ${range.from} to ${range.to}. Each operation is one service sending to or receiving from a destination (x-eventscope-service names it).`,
    },
    channels,
    operations,
  };
}
