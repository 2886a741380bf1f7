// Pattern marks for the flow map's nodes (issue 13): which badge a service, destination or message
// type box carries in the map's patterns view, from the /api/patterns verdicts. Pure.
import type { Patterns } from '@/lib/analysis/patterns';
import type { TopologyNode } from '@/lib/analysis/graph';

export type PatternMarkKind = 'event' | 'command' | 'orchestrator' | 'callback';

export interface PatternMark {
  kind: PatternMarkKind;
  /** the badge text */
  text: string;
  /** the hover text: the verdict's evidence */
  title: string;
}

export const MARK_TEXT: Record<PatternMarkKind, string> = { event: 'event', command: 'command', orchestrator: 'orchestrator', callback: 'calls back' };

/** node id → its marks: message types and destinations by the kind of what they carry, services by their role. */
export function patternMarks(nodes: readonly TopologyNode[], p: Patterns): Record<string, PatternMark[]> {
  const byType = new Map(p.messageTypes.map((t) => [t.messageType, t]));
  const byDestination = new Map<string, Set<'event' | 'command' | 'unclear'>>();
  for (const t of p.messageTypes) for (const d of t.destinations) (byDestination.get(d) ?? byDestination.set(d, new Set()).get(d)!).add(t.kind);
  const out: Record<string, PatternMark[]> = {};
  const add = (id: string, m: PatternMark) => (out[id] ??= []).push(m);
  for (const n of nodes) {
    if (n.kind === 'messageType') {
      const t = byType.get(n.label);
      if (t && t.kind !== 'unclear') add(n.id, { kind: t.kind, text: MARK_TEXT[t.kind], title: t.evidence.join('; ') });
    } else if (n.kind === 'destination') {
      const kinds = byDestination.get(n.label);
      if (kinds?.size === 1) {
        const [k] = [...kinds];
        if (k !== 'unclear') {
          const types = p.messageTypes.filter((t) => t.destinations.includes(n.label)).map((t) => t.messageType);
          add(n.id, { kind: k!, text: MARK_TEXT[k!], title: `carries ${k === 'event' ? 'events' : 'commands'}: ${types.join(', ')}` });
        }
      }
    } else if (n.kind === 'service') {
      for (const f of p.flows) if (f.owner === n.label) add(n.id, { kind: 'orchestrator', text: MARK_TEXT.orchestrator, title: f.evidence.join('; ') });
      const cbs = p.consumers.filter((c) => c.consumer === n.label && c.kind === 'notification-with-callback');
      if (cbs.length) add(n.id, { kind: 'callback', text: MARK_TEXT.callback, title: cbs.map((c) => `on ${c.messageType}, calls ${c.publisher} back: ${c.evidence[0]}`).join('; ') });
    }
  }
  return out;
}
