// Text metrics: how big a node box or an edge label has to be for its text at the map's font
// sizes, estimated without a DOM so the layout can run on the server.
import type { FlowNodeKind, LabelPart } from './types.js';

/** Node height, and the bounds of its width (which follows the label). */
export const NODE_SIZE: Record<FlowNodeKind, { height: number; minWidth: number; maxWidth: number }> = {
  service: { height: 44, minWidth: 132, maxWidth: 250 },
  destination: { height: 44, minWidth: 132, maxWidth: 250 },
  messageType: { height: 44, minWidth: 132, maxWidth: 250 },
  consumerGroup: { height: 44, minWidth: 120, maxWidth: 220 },
  peer: { height: 40, minWidth: 120, maxWidth: 220 },
};

/** Font sizes the map's CSS uses; the layout sizes boxes from them (see globals.css .fnode/.flow-edge-label). */
export const FONT = { title: 15, sub: 11.5, label: 13 } as const;
/** height of an edge label's slot */
export const LABEL_HEIGHT = 22;
/**
 * Estimated rendered width of a text (no DOM on the server). Calibrated on DejaVu Sans, the widest
 * common fallback for system-ui, so a box is never too narrow; on SF or Segoe it has some air.
 */
export function textWidth(text: string, px: number, bold = false): number {
  let w = 0;
  for (const ch of text) {
    w += /[ijl.,:;|!'·]/.test(ch) ? 0.3 : /[ftrI/()[\]\- ]/.test(ch) ? 0.4 : /[mwMW%@]/.test(ch) ? 0.96 : /[A-Z0-9#?_]/.test(ch) ? 0.7 : 0.62;
  }
  return Math.ceil(w * px * (bold ? 1.1 : 1));
}

/** The box a node needs for its title (and its one-line subtitle) at the map's font sizes. */
export function nodeBox(kind: FlowNodeKind, label: string, sub = ''): { width: number; height: number } {
  const s = NODE_SIZE[kind];
  const icon = kind === 'destination' || kind === 'messageType' ? 20 : 0;
  const want = Math.max(textWidth(label, FONT.title, true) + icon, textWidth(sub, FONT.sub)) + 40;
  return { width: Math.min(s.maxWidth, Math.max(s.minWidth, want)), height: s.height };
}

/** The width a short label needs, for the slot dagre reserves. */
export function labelWidth(parts: readonly LabelPart[]): number {
  let w = 12; // padding and border
  parts.forEach((p, i) => {
    w += textWidth(p.text, FONT.label, p.tone === 'type') + (p.tone === 'lag' ? 12 : 0) + (i ? 8 : 0);
  });
  return w;
}
