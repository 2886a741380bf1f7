// Which delivery of a message to a consumer group is the first, which a redelivery after a failed
// attempt, which a second delivery after success (DESIGN §6 "Duplicates"). Pure: the pairing pass
// hands in every hop it knows of the touched (group, message) pairs and writes back what changed.

import { hopKey } from '../domain.js';

export type HopClass = 'first' | 'redelivery_after_failure' | 'duplicate_after_success' | 'prelude';

/** The fields classification reads; the pass's rows carry many more. */
export interface ClassifiableHop {
  consumer_group: string;
  destination: string;
  message_key: string;
  d_key: string;
  d_span_id: string;
  /** DateTime64(9) text: compares in time order as a string */
  d_start: string;
  d_operation: string;
  d_status: string;
  d_redelivered: number;
  identified: number;
  ordinal: number;
  class: string;
  /** 1 on the message's earliest delivery to the group (a prelude receive, else the first): its queue time is the sample */
  queue_sample: number;
}

/** A hop's identity: its deliver span and its message. */
export const hopId = (h: { d_key: string; message_key: string }) => hopKey(h.d_key, h.message_key);
const groupId = (h: ClassifiableHop) => `${h.consumer_group}\u0000${h.destination}\u0000${h.message_key}`;

/**
 * Sets `ordinal`, `class` and `queue_sample` on every hop, per (consumer group, destination, message), in delivery
 * order. A process span is the delivery; a receive span of the same message to the same group (the
 * Java agent's receive + process) is its prelude, not a second delivery. An unidentified message
 * (known only through this one delivery) is always a first delivery.
 */
export function classifyHops<T extends ClassifiableHop>(hops: T[]): T[] {
  const groups = new Map<string, T[]>();
  for (const h of hops) {
    const k = groupId(h);
    let list = groups.get(k);
    if (!list) groups.set(k, (list = []));
    list.push(h);
  }
  for (const list of groups.values()) {
    list.sort((a, b) => (a.d_start < b.d_start ? -1 : a.d_start > b.d_start ? 1 : a.d_span_id < b.d_span_id ? -1 : a.d_span_id > b.d_span_id ? 1 : 0));
    const hasProcess = list.some((h) => h.d_operation === 'process');
    // the earliest delivery (sorted first) carries the message's queue-time sample
    list.forEach((h, i) => (h.queue_sample = i === 0 ? 1 : 0));
    let ordinal = 0;
    let prev: T | undefined;
    for (const h of list) {
      if (hasProcess && h.d_operation !== 'process') {
        h.ordinal = 0;
        h.class = 'prelude';
        continue;
      }
      ordinal++;
      h.ordinal = ordinal;
      if (!h.identified || !prev) h.class = 'first';
      else h.class = prev.d_status === 'ERROR' || h.d_redelivered === 1 ? 'redelivery_after_failure' : 'duplicate_after_success';
      prev = h;
    }
  }
  return hops;
}
