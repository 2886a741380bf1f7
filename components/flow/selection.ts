'use client';
// Selection and hover shared by the map, its edge labels (rendered outside the SVG) and the side panel.
import { createContext, useContext } from 'react';

export type FlowSelection = { type: 'node'; id: string } | { type: 'edge'; id: string } | null;

export interface FlowInteraction {
  select: (s: FlowSelection) => void;
  hover: (s: FlowSelection) => void;
}

export const SelectContext = createContext<FlowInteraction>({ select: () => {}, hover: () => {} });
export const useSelect = () => useContext(SelectContext).select;
export const useHover = () => useContext(SelectContext).hover;
