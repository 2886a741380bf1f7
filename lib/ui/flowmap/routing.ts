// Edge routing: routes between node faces, ports spread along a face, routes pulled straight
// where no node or label is in the way.
import type { Point, Rect } from './types.js';

export const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
/** straight run where an edge leaves or enters a node, so arrowheads meet the box square */
const STUB = 10;
/** one decimal: coordinates the SVG does not need finer */
export const r1 = (v: number) => Math.round(v * 10) / 10;

/**
 * An edge's route: out of the source's downstream face (bottom in TB, right in LR), through dagre's
 * bend points, into the target's upstream face. A backward edge leaves upstream and enters
 * downstream, so it runs against the flow beside it instead of looping round a node.
 */
export function route(src: Rect, dst: Rect, inner: Point[], tb: boolean, backward: boolean): Point[] {
  const toward = (p: Point | undefined, other: Rect) => p ?? { x: other.x + other.width / 2, y: other.y + other.height / 2 };
  const face = (r: Rect, towards: Point, downstream: boolean): { at: Point; stub: Point } => {
    if (tb) {
      const x = clamp(towards.x, r.x + 14, r.x + r.width - 14);
      const y = downstream ? r.y + r.height : r.y;
      return { at: { x, y }, stub: { x, y: y + (downstream ? STUB : -STUB) } };
    }
    const y = clamp(towards.y, r.y + 12, r.y + r.height - 12);
    const x = downstream ? r.x + r.width : r.x;
    return { at: { x, y }, stub: { x: x + (downstream ? STUB : -STUB), y } };
  };
  const start = face(src, toward(inner[0], dst), !backward);
  const end = face(dst, toward(inner[inner.length - 1], src), backward);
  const pts = [start.at, start.stub, ...inner, end.stub, end.at];
  return pts.map((p) => ({ x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 }));
}

/**
 * Ports on one face: each as close as it can be to where its edge comes from (sorted `wanted`),
 * at least `gap` apart, within [lo, hi]; evenly spread when the face is too short for the gaps.
 */
export function spreadPorts(wanted: readonly number[], lo: number, hi: number, gap: number): number[] {
  const n = wanted.length;
  if ((n - 1) * gap > hi - lo) return wanted.map((_, k) => r1(lo + ((k + 0.5) * (hi - lo)) / n));
  const p = wanted.map((w) => clamp(w, lo, hi));
  for (let k = 1; k < n; k++) p[k] = Math.max(p[k]!, p[k - 1]! + gap);
  if (p[n - 1]! > hi) {
    p[n - 1] = hi;
    for (let k = n - 2; k >= 0; k--) p[k] = Math.min(p[k]!, p[k + 1]! - gap);
  }
  return p.map(r1);
}

/**
 * Pulls a route straight: from each kept point, jump to the farthest later point whose straight
 * segment crosses no obstacle (other nodes and label slots). The faces, their stubs and the label
 * point stay, so the edge still leaves and enters square and passes through its label.
 */
export function straighten(points: readonly Point[], label: Point | null, obstacles: readonly Rect[]): Point[] {
  if (points.length <= 4) return [...points];
  const middle = points.slice(1, -1); // stub … stub
  const li = label ? middle.findIndex((p) => Math.abs(p.x - label.x) < 1 && Math.abs(p.y - label.y) < 1) : -1;
  const pull = (run: Point[]): Point[] => {
    const out = [run[0]!];
    let i = 0;
    while (i < run.length - 1) {
      let j = run.length - 1;
      while (j > i + 1 && obstacles.some((o) => segmentHitsRect(run[i]!, run[j]!, o, 4))) j--;
      out.push(run[j]!);
      i = j;
    }
    return out;
  };
  const pulled = li > 0 && li < middle.length - 1
    ? [...pull(middle.slice(0, li + 1)), ...pull(middle.slice(li)).slice(1)]
    : pull(middle);
  return [points[0]!, ...pulled, points[points.length - 1]!];
}

/** Whether segment a–b passes through rectangle r grown by `margin` (Liang–Barsky clipping). */
export function segmentHitsRect(a: Point, b: Point, r: Rect, margin = 0): boolean {
  const x0 = r.x - margin, x1 = r.x + r.width + margin, y0 = r.y - margin, y1 = r.y + r.height + margin;
  const dx = b.x - a.x, dy = b.y - a.y;
  let t0 = 0, t1 = 1;
  for (const [p, q] of [[-dx, a.x - x0], [dx, x1 - a.x], [-dy, a.y - y0], [dy, y1 - a.y]] as const) {
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

export function midpoint(points: readonly Point[]): Point {
  const a = points[0]!;
  const b = points[points.length - 1]!;
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}
