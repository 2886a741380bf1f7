'use client';
// Selection and hover shared by the map, its nodes, its edge labels (rendered outside the SVG) and
// the side panel. Nodes read their look (selected, dimmed) from here, not from their React Flow
// node objects: a new node object makes React Flow measure the node again, and until then it hides
// every edge — on hover that flickered the labels under the pointer and re-fired mouseenter forever.
import { createContext, useContext } from 'react';

export type FlowSelection = { type: 'node'; id: string } | { type: 'edge'; id: string } | null;

export interface FlowInteraction {
  select: (s: FlowSelection) => void;
  hover: (s: FlowSelection) => void;
}

export const SelectContext = createContext<FlowInteraction>({ select: () => {}, hover: () => {} });
export const useSelect = () => useContext(SelectContext).select;
export const useHover = () => useContext(SelectContext).hover;

export interface FlowLook {
  selection: FlowSelection;
  /** the hovered (else selected) element's neighbourhood; null = nothing dimmed */
  lit: { nodes: Set<string> } | null;
}

export const LookContext = createContext<FlowLook>({ selection: null, lit: null });

/** How a node is drawn now: selected, or dimmed outside the highlighted neighbourhood. */
export function useNodeLook(id: string): { selected: boolean; dim: boolean } {
  const { selection, lit } = useContext(LookContext);
  return { selected: selection?.type === 'node' && selection.id === id, dim: !!lit && !lit.nodes.has(id) };
}

/** Same element (or both nothing): lets a state setter keep its value, so React skips the render. */
export function sameSelection(a: FlowSelection, b: FlowSelection): boolean {
  return a === b || (!!a && !!b && a.type === b.type && a.id === b.id);
}
