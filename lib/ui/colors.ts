// Stable colours per service (the same service keeps its colour on every page) and status colours.
import { isLagStatus, type LagStatus } from '../domain.js';

const PALETTE = [
  '#2563eb', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2',
  '#65a30d', '#ea580c', '#4f46e5', '#0d9488', '#b45309', '#9333ea',
];

/** FNV-1a hash (with a final mix) of the name into the palette: deterministic across server and client. */
export function serviceColor(service: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < service.length; i++) {
    h ^= service.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // final avalanche (murmur3 fmix32): FNV's low bits alone spread short names poorly
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0; // unsigned, or the index goes negative
  return PALETTE[h % PALETTE.length]!;
}

export type { LagStatus };

export const STATUS_COLOR: Record<LagStatus, { fg: string; bg: string }> = {
  OK: { fg: '#166534', bg: '#dcfce7' },
  WARN: { fg: '#92400e', bg: '#fef3c7' },
  STALL: { fg: '#9a3412', bg: '#ffedd5' },
  STOP: { fg: '#991b1b', bg: '#fee2e2' },
  REWIND: { fg: '#6b21a8', bg: '#f3e8ff' },
};

export const STATUS_HELP: Record<LagStatus, string> = {
  OK: 'caught up at some point in the window',
  WARN: 'lag kept growing over the window (five minutes at least)',
  STALL: 'backlog waiting but no progress',
  STOP: 'no deliveries for longer than it was active',
  REWIND: 'offsets went backwards (a reset or replay)',
};

export function lagStatusOf(s: string | undefined): LagStatus | undefined {
  const u = (s ?? '').toUpperCase();
  return isLagStatus(u) ? u : undefined;
}
