'use client';
// The patterns view's badges on flow-map nodes: read from a context the map provides, so a node
// renders them without new node data (and without changing the layout: they sit on the box's edge).
import { createContext, useContext } from 'react';
import type { PatternMark, PatternMarkKind } from './marks';

export const PatternMarksContext = createContext<Record<string, PatternMark[]> | undefined>(undefined);

export const MARK_COLORS: Record<PatternMarkKind, { bg: string; fg: string }> = {
  event: { bg: '#dbeafe', fg: '#1e40af' },
  command: { bg: '#fef3c7', fg: '#92400e' },
  orchestrator: { bg: '#ede9fe', fg: '#5b21b6' },
  callback: { bg: '#fce7f3', fg: '#9d174d' },
};

export function PatternChip({ kind, text, title }: { kind: PatternMarkKind; text: string; title?: string }) {
  const c = MARK_COLORS[kind];
  return (
    <span
      className="pattern-chip"
      data-testid="pattern-badge"
      data-pattern={kind}
      title={title}
      style={{ background: c.bg, color: c.fg, border: `1px solid ${c.fg}33`, borderRadius: 8, padding: '0 6px', fontSize: 10.5, fontWeight: 600, lineHeight: '15px', whiteSpace: 'nowrap', textTransform: 'uppercase', letterSpacing: 0.3 }}
    >
      {text}
    </span>
  );
}

/** The marks of one node, on its top edge; nothing outside the patterns view. */
export function PatternBadge({ nodeId }: { nodeId: string }) {
  const marks = useContext(PatternMarksContext)?.[nodeId];
  if (!marks?.length) return null;
  return (
    <span style={{ position: 'absolute', top: -9, right: 6, display: 'flex', gap: 3, pointerEvents: 'auto' }}>
      {marks.map((m) => (
        <PatternChip key={m.kind} {...m} />
      ))}
    </span>
  );
}
