// The view the map opens at.
import type { Bounds, RankDir } from './types.js';

/**
 * The initial view: the whole map if it fits at a readable zoom, else the readable zoom, anchored at
 * the start of the flow (top in TB, left in LR) and centred across it; the reader pans for the rest.
 */
export function initialViewport(
  bounds: Bounds,
  canvas: { width: number; height: number },
  opts: { rankdir?: RankDir; minZoom?: number; maxZoom?: number; padding?: number } = {},
): { x: number; y: number; zoom: number } {
  const pad = opts.padding ?? 24;
  const minZoom = opts.minZoom ?? 0.85;
  const maxZoom = opts.maxZoom ?? 1.1;
  const tb = (opts.rankdir ?? 'TB') === 'TB';
  const availW = Math.max(1, canvas.width - 2 * pad);
  const availH = Math.max(1, canvas.height - 2 * pad);
  const fit = Math.min(availW / Math.max(1, bounds.width), availH / Math.max(1, bounds.height));
  const zoom = Math.round(Math.min(maxZoom, Math.max(minZoom, fit)) * 1000) / 1000;
  const place = (size: number, avail: number, start: number, total: number, alongFlow: boolean) =>
    size * zoom <= avail || !alongFlow ? (total - size * zoom) / 2 - start * zoom : pad - start * zoom;
  return {
    x: Math.round(place(bounds.width, availW, bounds.x, canvas.width, !tb)),
    y: Math.round(place(bounds.height, availH, bounds.y, canvas.height, tb)),
    zoom,
  };
}
