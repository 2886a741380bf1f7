// The background alert evaluator: every interval, each enabled rule is observed (evaluate.ts),
// each instance's state stepped (state.ts) and stored, and every firing/resolved transition
// recorded and sent to the rule's webhook (notify.ts). The new state is committed BEFORE its
// notification is sent, so one transition is notified once, also across a restart; a webhook
// that hangs delays only its own delivery, never the next evaluation.
// One evaluator per deployment: it runs in the process that serves the dashboard (npm start),
// never in `npm run collector` replicas.
import type { Store } from '../store/index.js';
import { metrics } from '../metrics.js';
import { Observer } from './evaluate.js';
import { deliver, type DeliveryOptions, type Notification } from './notify.js';
import { listRules, loadStates, recordEvents, saveStates, type AlertEvent, type StoredState } from './repository.js';
import { changed, instanceKey, parseInstanceKey, step, type Observation } from './state.js';

const STOP_GRACE_MS = 2_000;

export interface EvaluatorOptions {
  store: Store;
  intervalMs: number;
  /** the dashboard's base URL for the links in notifications */
  dashboardUrl: string;
  now?: () => number;
  delivery?: DeliveryOptions;
  log?: (msg: string) => void;
}

export interface Evaluator {
  /** one evaluation now (the background loop calls the same); resolves when its states are stored */
  evaluate(): Promise<void>;
  /** evaluations completed so far */
  readonly evaluations: number;
  /** notifications still being delivered */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function startEvaluator(opts: EvaluatorOptions): Evaluator {
  const now = opts.now ?? Date.now;
  const log = opts.log ?? ((m: string) => console.log(m));
  const inFlight = new Set<Promise<unknown>>();
  let evaluations = 0;
  let running: Promise<void> | null = null;
  let stopped = false;

  const evaluateOnce = async () => {
    const nowMs = now();
    const rules = (await listRules(opts.store)).filter((r) => r.enabled);
    const stored = await loadStates(opts.store, rules.map((r) => r.id));
    const byRule = new Map<string, Map<string, StoredState>>();
    for (const s of stored) {
      let m = byRule.get(s.ruleId);
      if (!m) byRule.set(s.ruleId, (m = new Map()));
      m.set(s.instance, s);
    }
    const observer = new Observer(opts.store, nowMs);
    const writes: StoredState[] = [];
    const events: AlertEvent[] = [];
    const notifications: Notification[] = [];
    let firing = 0;
    for (const rule of rules) {
      let observed;
      try {
        observed = await observer.observe(rule);
      } catch (err) {
        log(`[alerts] rule "${rule.name}" could not be evaluated: ${(err as Error)?.message ?? err}`);
        for (const s of byRule.get(rule.id)?.values() ?? []) if (s.state === 'firing') firing++;
        continue;
      }
      const prevStates = byRule.get(rule.id) ?? new Map<string, StoredState>();
      const obs = new Map<string, Observation>(observed.map((o) => [instanceKey(o.instance), o]));
      // an instance no longer observed (its group vanished from the data) no longer breaches
      for (const [k, s] of prevStates) if (!obs.has(k) && s.state !== 'ok') obs.set(k, { breached: false, value: null, valueText: 'no longer observed' });
      for (const [key, o] of obs) {
        const prev = prevStates.get(key);
        const { next, transition } = step(prev, o, nowMs, rule.forSeconds * 1000);
        if (next.state === 'firing') firing++;
        if (changed(prev, next)) writes.push({ ruleId: rule.id, instance: key, ...next });
        if (transition) {
          const sinceMs = transition === 'firing' ? next.sinceMs : prev!.sinceMs;
          events.push({ at: new Date(nowMs).toISOString(), ruleId: rule.id, ruleName: rule.name, instance: key, event: transition, value: next.value, valueText: next.valueText, since: new Date(sinceMs).toISOString() });
          notifications.push({ rule, instance: parseInstanceKey(key), transition, value: next.value, valueText: next.valueText, sinceMs, atMs: nowMs });
        }
      }
    }
    // the states (with what is being notified) first: a crash after this sends nothing twice
    await saveStates(opts.store, writes);
    await recordEvents(opts.store, events);
    metrics().alertsFiring.set(firing);
    for (const n of notifications) {
      const p = deliver(n, opts.dashboardUrl, { log, ...opts.delivery })
        .then(async (outcome) => {
          if (outcome.ok) return;
          // the history says so: a firing nobody was told about is the page's to show
          await recordEvents(opts.store, [
            {
              at: new Date(now()).toISOString(),
              ruleId: n.rule.id,
              ruleName: n.rule.name,
              instance: instanceKey(n.instance),
              event: 'undelivered',
              value: null,
              valueText: `${n.transition} message not delivered after ${outcome.attempts} attempts: ${outcome.error}`,
              since: new Date(n.sinceMs).toISOString(),
            },
          ]);
        })
        .catch((err) => log(`[alerts] notification failed: ${err}`));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    evaluations++;
  };

  const evaluate = () => {
    // one evaluation at a time: a slow store makes the next tick wait, never overlap
    running ??= evaluateOnce().finally(() => {
      running = null;
    });
    return running;
  };

  const tick = async () => {
    if (stopped) return;
    try {
      await evaluate();
    } catch (err) {
      log(`[alerts] evaluation failed: ${(err as Error)?.message ?? err}`);
    }
    if (!stopped) (timer = setTimeout(tick, opts.intervalMs)).unref?.();
  };
  let timer: NodeJS.Timeout | undefined = setTimeout(tick, opts.intervalMs);
  timer.unref?.();

  return {
    evaluate,
    get evaluations() {
      return evaluations;
    },
    async idle() {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
      // a notification still retrying gets a moment to finish; stopping does not wait for a dead webhook
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref?.())]);
    },
  };
}
