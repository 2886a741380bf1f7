'use client';
// Selection shared by the map, its edge labels (rendered outside the SVG) and the side panel.
import { createContext, useContext } from 'react';

export type FlowSelection = { type: 'node'; id: string } | { type: 'edge'; id: string } | null;

export const SelectContext = createContext<(s: FlowSelection) => void>(() => {});
export const useSelect = () => useContext(SelectContext);
