// An in-process broker that behaves like Kafka where it matters to Eventscope: topics split into
// partitions by key, offsets, consumer groups with their own positions, at-least-once delivery
// (a failed or "lost commit" message is delivered again), bounded retention. No I/O, no timers:
// consumers poll; the clock and the fault dice are passed in.
import { Faults } from './faults.js';

export type Headers = Record<string, string>;

export interface BrokerRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  value: unknown;
  headers: Headers;
  /** append time, ms since the epoch */
  timestamp: number;
}

export interface Delivery {
  record: BrokerRecord;
  group: string;
  /** 1 for the first delivery of this record to this group, then 2, 3 … */
  attempt: number;
  /** why this is not a first delivery */
  redelivery?: 'retry' | 'duplicate';
}

/**
 * Kafka's default partitioner hashes the key with murmur2; any stable hash shows the same
 * behaviour (one key, one partition, order kept per key), so this uses 32-bit FNV-1a.
 */
export function partitionFor(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

interface Partition {
  /** offset of records[0] (grows when retention drops old records) */
  base: number;
  records: BrokerRecord[];
}

interface Topic {
  name: string;
  partitions: Partition[];
}

export interface BrokerOptions {
  partitions: number;
  /** records kept per partition */
  retention?: number;
  faults?: Faults;
  now?: () => number;
  /** how long a reordered (held back) record waits at most for its successor, ms */
  maxHoldMs?: number;
  /** delay before a failed record is delivered again, ms × attempt */
  retryBackoffMs?: number;
  /** offset of the first record of every partition (a real log keeps its offsets across restarts) */
  initialOffset?: number;
}

export class Broker {
  readonly defaultPartitions: number;
  private readonly topics = new Map<string, Topic>();
  private readonly groups = new Map<string, ConsumerGroup>();
  readonly retention: number;
  readonly faults: Faults;
  readonly now: () => number;
  readonly maxHoldMs: number;
  readonly retryBackoffMs: number;
  readonly initialOffset: number;

  constructor(opts: BrokerOptions) {
    this.defaultPartitions = opts.partitions;
    this.retention = opts.retention ?? 10_000;
    this.faults = opts.faults ?? new Faults({ duplicateRate: 0, reorderRate: 0, errorRate: 0, maxRetries: 0 });
    this.now = opts.now ?? Date.now;
    this.maxHoldMs = opts.maxHoldMs ?? 1000;
    this.retryBackoffMs = opts.retryBackoffMs ?? 50;
    this.initialOffset = opts.initialOffset ?? 0;
  }

  topic(name: string, partitions = this.defaultPartitions): Topic {
    let t = this.topics.get(name);
    if (!t) {
      t = { name, partitions: Array.from({ length: partitions }, () => ({ base: this.initialOffset, records: [] })) };
      this.topics.set(name, t);
    }
    return t;
  }

  partitionCount(topic: string): number {
    return this.topic(topic).partitions.length;
  }

  /** Appends a record to the partition of its key; returns it with partition and offset set. */
  produce(topic: string, key: string, value: unknown, headers: Headers = {}): BrokerRecord {
    const t = this.topic(topic);
    const partition = partitionFor(key, t.partitions.length);
    const p = t.partitions[partition]!;
    const record: BrokerRecord = {
      topic,
      partition,
      offset: p.base + p.records.length,
      key,
      value,
      headers: { ...headers },
      timestamp: this.now(),
    };
    p.records.push(record);
    if (p.records.length > this.retention) {
      const drop = p.records.length - this.retention;
      p.records.splice(0, drop);
      p.base += drop;
    }
    return record;
  }

  /** end offset (next offset to be written) of each partition */
  endOffsets(topic: string): number[] {
    return this.topic(topic).partitions.map((p) => p.base + p.records.length);
  }

  /** The consumer group `group` on `topic`; created at the earliest retained offsets. */
  group(topic: string, group: string): ConsumerGroup {
    const id = `${topic}\u0000${group}`;
    let g = this.groups.get(id);
    if (!g) {
      g = new ConsumerGroup(this, this.topic(topic), group);
      this.groups.set(id, g);
    }
    return g;
  }

  /** @internal */
  read(t: Topic, partition: number, offset: number): BrokerRecord | undefined {
    const p = t.partitions[partition]!;
    return p.records[offset - p.base];
  }

  /** @internal */
  firstOffset(t: Topic, partition: number): number {
    return t.partitions[partition]!.base;
  }
}

interface Pending {
  delivery: Delivery;
  dueAt: number;
}

export class ConsumerGroup {
  /** next offset to fetch, per partition */
  readonly positions: number[];
  /** committed offset (next offset the group still needs), per partition */
  readonly committed: number[];
  private readonly pending: Pending[] = [];
  private readonly held = new Map<number, { record: BrokerRecord; since: number }>();
  private nextPartition = 0;

  constructor(
    private readonly broker: Broker,
    private readonly t: Topic,
    readonly name: string,
  ) {
    this.positions = t.partitions.map((p) => p.base);
    this.committed = [...this.positions];
  }

  get topic(): string {
    return this.t.name;
  }

  /**
   * Up to `max` deliveries: due redeliveries first, then new records round-robin over the
   * partitions. A reordered record is held back until its successor has been delivered.
   */
  poll(max: number): Delivery[] {
    const now = this.broker.now();
    const out: Delivery[] = [];
    for (let i = 0; i < this.pending.length && out.length < max; ) {
      if (this.pending[i]!.dueAt <= now) out.push(this.pending.splice(i, 1)[0]!.delivery);
      else i++;
    }
    const n = this.t.partitions.length;
    let idle = 0;
    while (out.length < max && idle < n) {
      const p = this.nextPartition;
      this.nextPartition = (p + 1) % n;
      const d = this.fetch(p, now);
      if (d) {
        out.push(d);
        idle = 0;
      } else idle++;
    }
    return out;
  }

  private fetch(p: number, now: number): Delivery | undefined {
    // Fell behind retention: skip ahead, as Kafka's auto.offset.reset=earliest would.
    const first = this.broker.firstOffset(this.t, p);
    if (this.positions[p]! < first) this.positions[p] = first;
    const held = this.held.get(p);
    const next = this.broker.read(this.t, p, this.positions[p]!);
    if (held) {
      if (next) {
        this.positions[p]!++;
        // the successor goes first; the held record follows on the next fetch of this partition
        this.pending.unshift({ delivery: this.first(held.record), dueAt: now });
        this.held.delete(p);
        return this.first(next);
      }
      if (now - held.since >= this.broker.maxHoldMs) {
        this.held.delete(p);
        return this.first(held.record);
      }
      return undefined;
    }
    if (!next) return undefined;
    this.positions[p]!++;
    if (this.broker.faults.reorder()) {
      this.held.set(p, { record: next, since: now });
      return this.fetch(p, now);
    }
    return this.first(next);
  }

  private first(record: BrokerRecord): Delivery {
    return { record, group: this.name, attempt: 1 };
  }

  /** Processing succeeded: commit. With the duplicate fault the commit is "lost" and the record comes again. */
  ack(d: Delivery): void {
    const p = d.record.partition;
    this.committed[p] = Math.max(this.committed[p]!, d.record.offset + 1);
    if (this.broker.faults.duplicate()) {
      this.pending.push({ delivery: { ...d, attempt: d.attempt + 1, redelivery: 'duplicate' }, dueAt: this.broker.now() });
    }
  }

  /** Processing failed: deliver the record again after a short backoff. */
  nack(d: Delivery): void {
    this.pending.push({
      delivery: { ...d, attempt: d.attempt + 1, redelivery: 'retry' },
      dueAt: this.broker.now() + this.broker.retryBackoffMs * d.attempt,
    });
  }

  /** records not yet committed, per partition */
  lag(): number[] {
    return this.broker.endOffsets(this.t.name).map((end, p) => end - this.committed[p]!);
  }
}
