// Fault decisions of the demo, as pure functions of an injectable random source, so tests can
// force or forbid every fault.

export type Random = () => number;

/** mulberry32: a small seeded PRNG (uniform in [0, 1)), so a demo run can be replayed. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0 || 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultRates {
  duplicateRate: number;
  reorderRate: number;
  errorRate: number;
  maxRetries: number;
}

export type FailureOutcome = 'retry' | 'dead-letter';

export class Faults {
  constructor(
    readonly rates: FaultRates,
    private readonly random: Random = Math.random,
  ) {}

  /** after a successful delivery: deliver the same message again (the commit got lost) */
  duplicate(): boolean {
    return this.hit(this.rates.duplicateRate);
  }

  /** before a delivery: hold this message back and deliver the next one of the partition first */
  reorder(): boolean {
    return this.hit(this.rates.reorderRate);
  }

  /** does this processing attempt fail? */
  fail(): boolean {
    return this.hit(this.rates.errorRate);
  }

  /** what happens to a message whose attempt number `attempt` (1-based) failed */
  afterFailure(attempt: number): FailureOutcome {
    return attempt <= this.rates.maxRetries ? 'retry' : 'dead-letter';
  }

  /** a uniform pick, from the same dice */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length) % items.length]!;
  }

  chance(p: number): boolean {
    return this.hit(p);
  }

  private hit(p: number): boolean {
    return p > 0 && this.random() < p;
  }
}
