// SVG paths for edge routes.
import type { Point, RankDir } from './types.js';
import { r1 } from './routing.js';

/**
 * A smooth SVG path through every point (so it passes its label slot) that never overshoots:
 * monotone cubic interpolation of the cross-flow coordinate over the along-flow one (Steffen's
 * method), as layered-graph drawings do. Where the route doubles back, it falls back to steps
 * whose tangents run along the flow.
 */
export function smoothPath(points: readonly Point[], rankdir: RankDir = 'TB'): string {
  if (points.length === 0) return '';
  // t: along the flow (y in TB, x in LR), v: across it
  const t = points.map((p) => (rankdir === 'TB' ? p.y : p.x));
  const v = points.map((p) => (rankdir === 'TB' ? p.x : p.y));
  const xy = (tt: number, vv: number) => (rankdir === 'TB' ? `${r1(vv)},${r1(tt)}` : `${r1(tt)},${r1(vv)}`);
  let d = `M ${xy(t[0]!, v[0]!)}`;
  const n = points.length;
  if (n === 1) return d;
  const h = t.slice(1).map((ti, i) => ti - t[i]!);
  const monotone = h.every((hi) => hi > 0) || h.every((hi) => hi < 0);
  if (!monotone) {
    for (let i = 1; i < n; i++) {
      const mid = (t[i]! - t[i - 1]!) / 2;
      d += mid === 0 ? ` L ${xy(t[i]!, v[i]!)}` : ` C ${xy(t[i - 1]! + mid, v[i - 1]!)} ${xy(t[i]! - mid, v[i]!)} ${xy(t[i]!, v[i]!)}`;
    }
    return d;
  }
  const s = h.map((hi, i) => (v[i + 1]! - v[i]!) / hi);
  const m = new Array<number>(n);
  for (let i = 1; i < n - 1; i++) {
    const p = (s[i - 1]! * h[i]! + s[i]! * h[i - 1]!) / (h[i - 1]! + h[i]!);
    m[i] = (Math.sign(s[i - 1]!) + Math.sign(s[i]!)) * Math.min(Math.abs(s[i - 1]!), Math.abs(s[i]!), 0.5 * Math.abs(p)) || 0;
  }
  m[0] = n > 2 ? (3 * s[0]! - m[1]!) / 2 : s[0]!;
  m[n - 1] = n > 2 ? (3 * s[n - 2]! - m[n - 2]!) / 2 : s[n - 2]!;
  for (let i = 0; i < n - 1; i++) {
    const third = h[i]! / 3;
    d += ` C ${xy(t[i]! + third, v[i]! + m[i]! * third)} ${xy(t[i + 1]! - third, v[i + 1]! - m[i + 1]! * third)} ${xy(t[i + 1]!, v[i + 1]!)}`;
  }
  return d;
}
