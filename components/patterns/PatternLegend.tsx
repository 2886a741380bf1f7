// The flow map's patterns view legend: what each badge means, in a sentence, and where the evidence is.
import Link from 'next/link';
import { EXPLAIN } from '@/lib/analysis/patterns';
import { PatternChip } from './PatternBadge';
import { MARK_TEXT } from './marks';

export function PatternLegend({ patternsHref }: { patternsHref: string }) {
  return (
    <div className="flow-legend" data-testid="pattern-legend">
      <div className="legend-line" style={{ flexWrap: 'wrap', gap: 10 }}>
        <span className="control-label">Patterns</span>
        <span title={EXPLAIN.event}><PatternChip kind="event" text={MARK_TEXT.event} /> a fact, several groups may react</span>
        <span title={EXPLAIN.command}><PatternChip kind="command" text={MARK_TEXT.command} /> an order to one handler</span>
        <span title={EXPLAIN.orchestrated}><PatternChip kind="orchestrator" text={MARK_TEXT.orchestrator} /> owns a flow: sends commands, collects replies</span>
        <span title={EXPLAIN.callback}><PatternChip kind="callback" text={MARK_TEXT.callback} /> calls the publisher back after an event</span>
        <Link href={patternsHref}>Why? The evidence for each →</Link>
      </div>
    </div>
  );
}
