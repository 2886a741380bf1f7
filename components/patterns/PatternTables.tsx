// The patterns page's sections (server components): each verdict with the evidence that decided it
// and, above each section, what the pattern means for a reader who does not know it.
import Link from 'next/link';
import { EXPLAIN, type ConsumerPattern, type FlowPattern, type MessageTypePattern, type RequestReplyPattern } from '@/lib/analysis/patterns';
import { formatCount } from '@/lib/ui/format';
import { PatternChip } from './PatternBadge';

function Evidence({ items }: { items: string[] }) {
  return (
    <ul style={{ margin: 0, paddingLeft: 16 }}>
      {items.map((e) => (
        <li key={e}>{e}</li>
      ))}
    </ul>
  );
}

function Section({ id, title, intro, children }: { id: string; title: string; intro: React.ReactNode; children: React.ReactNode }) {
  return (
    <section className="panel" data-testid={`patterns-${id}`} id={id}>
      <div className="panel-title">
        <h2 style={{ fontSize: 15 }}>{title}</h2>
      </div>
      <div className="help" style={{ marginBottom: 8 }}>{intro}</div>
      {children}
    </section>
  );
}

export function MessageTypeSection({ types, requestsHref }: { types: MessageTypePattern[]; requestsHref: (type: string) => string }) {
  return (
    <Section
      id="message-types"
      title="Events and commands"
      intro={
        <>
          <PatternChip kind="event" text="event" /> {EXPLAIN.event}
          <br />
          <PatternChip kind="command" text="command" /> {EXPLAIN.command}
        </>
      }
    >
      <table className="data">
        <thead>
          <tr>
            <th>Message type</th>
            <th>Verdict</th>
            <th>Published by</th>
            <th>Consumer groups</th>
            <th className="num">Messages</th>
            <th>Evidence</th>
          </tr>
        </thead>
        <tbody>
          {types.map((t) => (
            <tr key={t.messageType} data-testid="pattern-type" data-type={t.messageType} data-kind={t.kind}>
              <td>
                <Link href={requestsHref(t.destinations[0] ?? t.messageType)}>{t.messageType}</Link>
                {t.destinations.length && !(t.destinations.length === 1 && t.destinations[0] === t.messageType) ? <div className="help">on {t.destinations.join(', ')}</div> : null}
              </td>
              <td>{t.kind === 'unclear' ? <span className="help">unclear</span> : <PatternChip kind={t.kind} text={t.kind} title={t.explanation} />}</td>
              <td>{t.publishers.join(', ') || '–'}</td>
              <td>{t.consumerGroups.join(', ') || '–'}</td>
              <td className="num">{formatCount(t.messages)}</td>
              <td><Evidence items={t.evidence} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

export function ConsumerSection({ consumers }: { consumers: ConsumerPattern[] }) {
  return (
    <Section
      id="consumers"
      title="Event consumers: call-back or carried state"
      intro={
        <>
          <PatternChip kind="callback" text="calls back" /> {EXPLAIN.callback}
          <br />
          <b>carried state</b> — {EXPLAIN.carriedState}
        </>
      }
    >
      {consumers.length === 0 ? (
        <p className="help">No consumer of an event in this range.</p>
      ) : (
        <table className="data">
          <thead>
            <tr>
              <th>Event</th>
              <th>Consumer (group)</th>
              <th>Publisher</th>
              <th>Verdict</th>
              <th className="num">Deliveries</th>
              <th className="num">Call-backs</th>
              <th>Evidence</th>
            </tr>
          </thead>
          <tbody>
            {consumers.map((c) => (
              <tr key={`${c.messageType}|${c.consumerGroup}|${c.consumer}|${c.publisher}`} data-testid="pattern-consumer" data-group={c.consumerGroup} data-type={c.messageType} data-kind={c.kind}>
                <td>{c.messageType}</td>
                <td>
                  {c.consumer}
                  {c.consumerGroup !== c.consumer ? <span className="help"> ({c.consumerGroup})</span> : null}
                </td>
                <td>{c.publisher}</td>
                <td>{c.kind === 'notification-with-callback' ? <PatternChip kind="callback" text="calls back" title={c.explanation} /> : <span title={c.explanation}>carried state</span>}</td>
                <td className="num">{formatCount(c.deliveries)}</td>
                <td className="num">{c.callbacks ? formatCount(c.callbacks) : '–'}</td>
                <td><Evidence items={c.evidence} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

export function FlowSection({ flows }: { flows: FlowPattern[] }) {
  return (
    <Section
      id="flows"
      title="Flows: orchestrated or choreographed"
      intro={
        <>
          <PatternChip kind="orchestrator" text="orchestrated" /> {EXPLAIN.orchestrated}
          <br />
          <b>choreographed</b> — {EXPLAIN.choreographed} A flow here is the message types that follow each other: a consumer publishes the next one while it handles the last, in the same trace.
        </>
      }
    >
      {flows.length === 0 ? (
        <p className="help">No message led to another in this range.</p>
      ) : (
        flows.map((f) => (
          <div key={f.messageTypes.join('>')} data-testid="pattern-flow" data-kind={f.kind} data-owner={f.owner} style={{ borderTop: '1px solid var(--border)', padding: '8px 0' }}>
            <div style={{ fontWeight: 600 }}>
              {f.kind === 'orchestrated' ? <PatternChip kind="orchestrator" text={`orchestrated by ${f.owner}`} /> : <span>choreographed — nobody owns it</span>}
            </div>
            <div style={{ margin: '4px 0' }}>{f.messageTypes.join(' → ')}</div>
            <div className="help">
              starts with {f.entryTypes.join(', ') || '–'} · services: {f.services.join(', ')}
            </div>
            <Evidence items={f.evidence} />
          </div>
        ))
      )}
    </Section>
  );
}

export function RequestReplySection({ pairs }: { pairs: RequestReplyPattern[] }) {
  return (
    <Section id="request-reply" title="Request/reply over queues" intro={EXPLAIN.requestReply}>
      {pairs.length === 0 ? (
        <p className="help">No service waited for replies to its messages in this range.</p>
      ) : (
        <table className="data">
          <thead>
            <tr>
              <th>Requester</th>
              <th>Request</th>
              <th>Responder</th>
              <th>Reply (destination)</th>
              <th className="num">Exchanges</th>
              <th className="num">Correlated</th>
              <th>Evidence</th>
            </tr>
          </thead>
          <tbody>
            {pairs.map((p) => (
              <tr key={`${p.requester}|${p.requestType}|${p.replyType}|${p.responder}`} data-testid="pattern-request-reply">
                <td>{p.requester}</td>
                <td>{p.requestType}</td>
                <td>{p.responder}</td>
                <td>
                  {p.replyType} <span className="help">({p.replyDestination})</span>
                </td>
                <td className="num">{formatCount(p.exchanges)}</td>
                <td className="num">{Math.round(p.correlatedShare * 100)}%</td>
                <td><Evidence items={p.evidence} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
