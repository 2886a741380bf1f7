// Hover and selection highlight: which nodes and edges stay lit around the focused element.

/**
 * What stays lit when a node or an edge is hovered or selected: a node with its edges and their other
 * ends (a service and its consumer-group tabs count as one), or an edge with its two ends.
 */
export function neighbourhood(
  nodes: readonly { id: string; data: { attachedTo?: string } }[],
  edges: readonly { id: string; source: string; target: string }[],
  focus: { type: 'node' | 'edge'; id: string } | null,
): { nodes: Set<string>; edges: Set<string> } | null {
  if (!focus) return null;
  const blockOf = new Map<string, string>();
  for (const n of nodes) blockOf.set(n.id, n.data.attachedTo ?? n.id);
  const members = (id: string) => {
    const b = blockOf.get(id) ?? id;
    return nodes.filter((n) => (blockOf.get(n.id) ?? n.id) === b).map((n) => n.id);
  };
  const litNodes = new Set<string>();
  const litEdges = new Set<string>();
  if (focus.type === 'edge') {
    const e = edges.find((x) => x.id === focus.id);
    if (!e) return null;
    litEdges.add(e.id);
    litNodes.add(e.source).add(e.target);
    return { nodes: litNodes, edges: litEdges };
  }
  if (!blockOf.has(focus.id)) return null;
  const block = new Set(members(focus.id));
  for (const id of block) litNodes.add(id);
  for (const e of edges) {
    if (!block.has(e.source) && !block.has(e.target)) continue;
    litEdges.add(e.id);
    litNodes.add(e.source).add(e.target);
  }
  return { nodes: litNodes, edges: litEdges };
}
