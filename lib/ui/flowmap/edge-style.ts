// How an edge looks: colour by error ratio, width by volume.

/** Edge colours: grey-blue healthy, amber some errors, red ≥ 5% errors. */
export const EDGE_COLORS = { ok: '#64748b', warn: '#d97706', error: '#dc2626' } as const;

export function edgeColor(ratio: number): string {
  return ratio >= 0.05 ? EDGE_COLORS.error : ratio > 0 ? EDGE_COLORS.warn : EDGE_COLORS.ok;
}

/** Stroke width grows with the log of the volume, relative to the busiest edge: 1.5 … 6 px. */
export function edgeWidth(count: number, maxCount: number): number {
  if (!(count > 0) || !(maxCount > 0)) return 1.5;
  const r = Math.log10(count + 1) / Math.log10(maxCount + 1);
  return Math.round((1.5 + 4.5 * r) * 10) / 10;
}
