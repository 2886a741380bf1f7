// The state machine of one rule on one instance, pure: ok → pending (the condition holds) →
// firing (it held for the rule's duration) → ok (it no longer holds: resolved). Only the step into
// firing and the step out of firing are notified; a pending that clears is forgotten quietly.

/** One instance a rule watches: a consumer group on a destination, a destination, or a service. */
export interface Instance {
  destination?: string;
  consumerGroup?: string;
  service?: string;
}

export type AlertStateName = 'ok' | 'pending' | 'firing';

export interface InstanceState {
  state: AlertStateName;
  /** when the current state began, epoch ms */
  sinceMs: number;
  /** the last measured value (null: nothing to measure, e.g. a rate with no deliveries) */
  value: number | null;
  /** the value in words (a status, "12 messages") */
  valueText: string;
  /** the last transition a notification was sent for ('' none yet) */
  notified: '' | 'firing' | 'resolved';
}

export interface Observation {
  /** the condition holds now */
  breached: boolean;
  value: number | null;
  valueText: string;
}

export type Transition = 'firing' | 'resolved';

/** The canonical key of an instance: JSON with a fixed key order. */
export function instanceKey(i: Instance): string {
  return JSON.stringify({
    ...(i.destination !== undefined ? { destination: i.destination } : {}),
    ...(i.consumerGroup !== undefined ? { consumerGroup: i.consumerGroup } : {}),
    ...(i.service !== undefined ? { service: i.service } : {}),
  });
}

export function parseInstanceKey(key: string): Instance {
  try {
    const v = JSON.parse(key) as Record<string, unknown>;
    const out: Instance = {};
    for (const k of ['destination', 'consumerGroup', 'service'] as const) if (typeof v[k] === 'string') out[k] = v[k] as string;
    return out;
  } catch {
    return {};
  }
}

/** "orders → billing", "orders", "service checkout". */
export function instanceLabel(i: Instance): string {
  if (i.service !== undefined) return `service ${i.service}`;
  if (i.consumerGroup !== undefined) return `${i.destination ?? '?'} → ${i.consumerGroup}`;
  return i.destination ?? '(every one)';
}

/**
 * The next state of an instance given what was observed at nowMs, and the transition to notify
 * (if any). `forMs`: how long the condition must hold before firing.
 */
export function step(prev: InstanceState | undefined, obs: Observation, nowMs: number, forMs: number): { next: InstanceState; transition?: Transition } {
  const base = { value: obs.value, valueText: obs.valueText, notified: prev?.notified ?? ('' as const) };
  const state = prev?.state ?? 'ok';
  if (obs.breached) {
    if (state === 'firing') return { next: { ...base, state, sinceMs: prev!.sinceMs } };
    const pendingSince = state === 'pending' ? prev!.sinceMs : nowMs;
    if (nowMs - pendingSince >= forMs) return { next: { ...base, state: 'firing', sinceMs: nowMs, notified: 'firing' }, transition: 'firing' };
    return { next: { ...base, state: 'pending', sinceMs: pendingSince } };
  }
  if (state === 'firing') return { next: { ...base, state: 'ok', sinceMs: nowMs, notified: 'resolved' }, transition: 'resolved' };
  if (state === 'pending') return { next: { ...base, state: 'ok', sinceMs: nowMs } };
  return { next: { ...base, state: 'ok', sinceMs: prev?.sinceMs ?? nowMs } };
}

/** Whether a state differs from the stored one in anything worth writing. */
export function changed(a: InstanceState | undefined, b: InstanceState): boolean {
  return !a || a.state !== b.state || a.sinceMs !== b.sinceMs || a.value !== b.value || a.valueText !== b.valueText || a.notified !== b.notified;
}
