// The flow map's layout, by responsibility in lib/ui/flowmap/: types, text metrics, wording, edge
// style, ranking and placement (layout), edge routing, SVG paths, viewport and highlight. This file
// keeps the one import path for code that wants all of it; client components import the module
// they need (so dagre stays out of the browser bundle).
export * from './flowmap/types.js';
export * from './flowmap/text.js';
export * from './flowmap/wording.js';
export * from './flowmap/edge-style.js';
export * from './flowmap/layout.js';
export * from './flowmap/routing.js';
export * from './flowmap/path.js';
export * from './flowmap/viewport.js';
export * from './flowmap/highlight.js';
