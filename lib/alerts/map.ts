// Which flow-map edges a firing alert marks (pure): a consumer-group instance marks the deliver
// edge from its destination labelled with that group, a destination marks every edge touching it,
// a service every edge touching its node. Split by message type, destinations fold into message
// type nodes and only service and group marks can be placed.
import type { Instance } from './state.js';

export interface MapNode {
  id: string;
  data: { label: string; rawKind: string };
}
export interface MapEdge {
  id: string;
  source: string;
  target: string;
  data: { kind: string; group?: string };
}
export interface FiringMark {
  ruleName: string;
  instance: Instance;
}

/** edge id → the firing rules that mark it ("billing stopped: orders → billing") */
export function alertMarks(nodes: readonly MapNode[], edges: readonly MapEdge[], firing: readonly FiringMark[]): Record<string, string[]> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const is = (id: string, kind: string, label: string | undefined) => {
    const n = byId.get(id);
    return !!n && n.data.rawKind === kind && n.data.label === label;
  };
  const out: Record<string, string[]> = {};
  for (const f of firing) {
    const i = f.instance;
    const text = f.ruleName;
    for (const e of edges) {
      let hit = false;
      if (i.service !== undefined) hit = is(e.source, 'service', i.service) || is(e.target, 'service', i.service);
      else if (i.consumerGroup !== undefined) hit = e.data.kind === 'deliver' && e.data.group === i.consumerGroup && is(e.source, 'destination', i.destination);
      else if (i.destination !== undefined) hit = is(e.source, 'destination', i.destination) || is(e.target, 'destination', i.destination);
      if (hit && !(out[e.id] ??= []).includes(text)) out[e.id]!.push(text);
    }
  }
  return out;
}
