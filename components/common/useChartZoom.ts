'use client';
// Drag across a chart's area to narrow the page's range to the selection (Recharts: the chart's
// mouse handlers give the x value under the pointer; the chart draws a ReferenceArea meanwhile).
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useState } from 'react';
import { absoluteQuery, hrefWith } from '@/lib/ui/url';

type ChartState = { activeLabel?: string | number | null } | null | undefined;

/** The x value (epoch ms) under the pointer, or undefined off the data. */
const xOf = (s: ChartState): number | undefined => {
  const v = s?.activeLabel;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};

export function useChartZoom() {
  const router = useRouter();
  const pathname = usePathname() ?? '/';
  const sp = useSearchParams();
  const [drag, setDrag] = useState<{ x1: number; x2: number } | null>(null);

  const onMouseDown = useCallback((s: ChartState) => {
    const x = xOf(s);
    if (x !== undefined) setDrag({ x1: x, x2: x });
  }, []);
  const onMouseMove = useCallback((s: ChartState) => {
    const x = xOf(s);
    if (x !== undefined) setDrag((d) => (d && d.x2 !== x ? { ...d, x2: x } : d));
  }, []);
  const onMouseUp = useCallback((s: ChartState) => {
    // the release point counts even when the last mouse moves were not handled yet (Recharts throttles them)
    const x = xOf(s);
    setDrag((d) => {
      const x2 = x ?? d?.x2;
      if (d && x2 !== undefined && d.x1 !== x2) {
        const window = { fromMs: Math.min(d.x1, x2), toMs: Math.max(d.x1, x2) };
        router.push(hrefWith(pathname, Object.fromEntries(sp?.entries() ?? []), absoluteQuery(window)), { scroll: false });
      }
      return null;
    });
  }, [router, pathname, sp]);

  /** Spread on a Recharts chart; render `<ReferenceArea x1={area.x1} x2={area.x2} />` while `area` is set. */
  const handlers = { onMouseDown, onMouseMove, onMouseUp, onMouseLeave: () => setDrag(null) };
  const area = drag && drag.x1 !== drag.x2 ? { x1: Math.min(drag.x1, drag.x2), x2: Math.max(drag.x1, drag.x2) } : null;
  return { handlers, area };
}
