import { STATUS_COLOR, STATUS_HELP, lagStatusOf } from '@/lib/ui/colors';

/** Burrow-style lag status with its reason as the tooltip. */
export function StatusBadge({ status, reason }: { status: string; reason?: string }) {
  const s = lagStatusOf(status);
  const c = s ? STATUS_COLOR[s] : { fg: '#475569', bg: '#f1f5f9' };
  return (
    <span
      className="status"
      style={{ color: c.fg, background: c.bg }}
      title={reason ? `${status}: ${reason}` : s ? STATUS_HELP[s] : status}
      data-testid="lag-status"
      data-status={status}
    >
      {status}
    </span>
  );
}
