// The look-back of the views that judge a window by what came before it (lag's backlog counts
// messages published up to this long before the range; anomalies read earlier deliveries for
// context). Pairing itself happens once, at ingest: lib/hops/ (the pairing pass) writes the hops
// every view reads.

/** How far before the range publishes (and earlier deliveries) count: max(1h, range), at most 24h. */
export function publishLookbackMs(fromMs: number, toMs: number): number {
  return Math.min(Math.max(toMs - fromMs, 3_600_000), 86_400_000);
}
