// The state of an alert rule or instance: ok, pending, firing (or disabled / an event name).
const LOOK: Record<string, { cls: string; title: string }> = {
  ok: { cls: 'ok', title: 'the condition does not hold' },
  pending: { cls: 'warn', title: 'the condition holds, but not yet for the rule’s duration' },
  firing: { cls: 'danger', title: 'the condition held for the rule’s duration; the webhook was told' },
  disabled: { cls: 'neutral', title: 'the rule is switched off' },
  undelivered: { cls: 'error', title: 'the webhook did not take the message after every retry' },
};

export function AlertStateBadge({ state, label, small }: { state: string; label?: string; small?: boolean }) {
  const look = LOOK[state] ?? LOOK.disabled!;
  return (
    <span className={`badge ${look.cls}`} title={look.title} data-testid="alert-state" data-state={state} style={small ? { fontSize: 10.5 } : undefined}>
      {label ?? state}
    </span>
  );
}
